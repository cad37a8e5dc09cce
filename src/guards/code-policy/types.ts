/**
 * The contract of an app's output policy module (`apps.<id>.output.policyModule`). The module's
 * default export is called with each segment of model output before it is released, so rules that
 * must hold live in code, not only in a prompt the model may ignore.
 *
 * ```js
 * // policies/support.js
 * export default function check(output, context) {
 *   if (/refund approved/i.test(output.text)) return { action: 'block', rule: 'no-refund-promises' };
 *   return { action: 'allow' };
 * }
 * ```
 */

export interface OutputSegment {
  /** The next piece of output: whole lines while streaming, the rest when `final`. */
  readonly text: string;
  /** True for the last call of a channel (text may then be empty). */
  readonly final: boolean;
  /** `text` for visible output, `tool_input` for the arguments of a tool call. */
  readonly channel: 'text' | 'tool_input';
}

export interface OutputPolicyContext {
  readonly app: string;
  readonly model: string;
  readonly requestId: string;
  readonly stream: boolean;
  readonly wire: 'openai' | 'anthropic';
}

export type OutputPolicyVerdict =
  | { readonly action: 'allow' }
  | { readonly action: 'block'; readonly rule?: string }
  | { readonly action: 'replace'; readonly text: string };

export type OutputPolicyHook = (
  segment: OutputSegment,
  context: OutputPolicyContext,
) => OutputPolicyVerdict | Promise<OutputPolicyVerdict>;

import { countTokens, replyTokens } from './tokens.js';
import { isRecord, type ResolvedScenario } from './scenario.js';
import { canaryLeak } from './leaks.js';

/** What to answer, independent of the wire format. Built once per request. */
export interface ReplyPlan {
  /** Reply text after truncation ('' for a tool call). */
  readonly text: string;
  /** `text` split into tokens; one stream delta each. */
  readonly pieces: readonly string[];
  readonly tool: ToolCallPlan | undefined;
  /** The reply was cut to the output token cap. */
  readonly truncated: boolean;
  /** Per choice. */
  readonly outputTokens: number;
  readonly disruption: { kind: 'cut' | 'midstream_error'; afterEvents: number } | undefined;
}

export interface ToolCallPlan {
  readonly name: string;
  readonly input: Record<string, unknown>;
  readonly argumentsJson: string;
  /** `argumentsJson` split into at least two fragments (when it has two characters or more). */
  readonly fragments: readonly string[];
}

export interface PlanInput {
  /** Scenario for this request; `status` and `stall` are handled before planning. */
  readonly scenario: ResolvedScenario | undefined;
  readonly defaultText: string;
  readonly systemText: () => string;
  /** Tool the request forces through tool_choice, if any. */
  readonly forcedTool: string | undefined;
  /** JSON schema of a tool the request defines, for plausible arguments. */
  readonly toolSchema: (name: string) => unknown;
  /** Output token cap from the request, if any. */
  readonly maxTokens: number | undefined;
}

export function planReply(input: PlanInput): ReplyPlan {
  const { scenario } = input;
  const disruption =
    scenario?.kind === 'cut' || scenario?.kind === 'midstream_error'
      ? { kind: scenario.kind, afterEvents: scenario.afterEvents }
      : undefined;
  if (scenario?.kind === 'tool_call') return toolPlan(scenario.name, scenario.arguments);
  if (scenario?.kind === 'tool_named') {
    return toolPlan(scenario.name, argumentsFromSchema(input.toolSchema(scenario.name)));
  }
  const leak =
    scenario?.kind === 'leak_canary' ? canaryLeak(input.systemText(), scenario.encoding) : undefined;
  const scripted = scenario?.kind === 'reply' || scenario?.kind === 'echo_system' || leak !== undefined;
  if (!scripted && input.forcedTool !== undefined) {
    return toolPlan(input.forcedTool, argumentsFromSchema(input.toolSchema(input.forcedTool)), disruption);
  }
  const fullText =
    scenario?.kind === 'reply'
      ? scenario.text
      : leak !== undefined
        ? leak.text
        : scenario?.kind === 'echo_system'
          ? input.systemText()
          : input.defaultText;
  const all =
    scenario?.kind === 'reply' && scenario.deltas !== undefined && scenario.deltas.join('') === fullText
      ? [...scenario.deltas]
      : leak !== undefined
        ? leak.deltas
        : replyTokens(fullText);
  const cap = input.maxTokens;
  const fullCount = countTokens(fullText);
  if (cap === undefined || fullCount <= cap) {
    return {
      text: fullText,
      pieces: all,
      tool: undefined,
      truncated: false,
      outputTokens: fullCount,
      disruption,
    };
  }
  const pieces = truncateTokens(all, cap);
  const text = pieces.join('');
  return { text, pieces, tool: undefined, truncated: true, outputTokens: countTokens(text), disruption };
}

/** The first `cap` tokens (a blank leading piece does not count as a token). */
function truncateTokens(all: readonly string[], cap: number): string[] {
  const pieces: string[] = [];
  let tokens = 0;
  for (const piece of all) {
    const n = countTokens(piece);
    if (tokens + n > cap) break;
    tokens += n;
    pieces.push(piece);
  }
  return pieces;
}

function toolPlan(
  name: string,
  args: Record<string, unknown>,
  disruption?: ReplyPlan['disruption'],
): ReplyPlan {
  const argumentsJson = JSON.stringify(args);
  const tool: ToolCallPlan = { name, input: args, argumentsJson, fragments: splitFragments(argumentsJson) };
  const outputTokens = Math.max(1, countTokens(name) + countTokens(argumentsJson));
  return { text: '', pieces: [], tool, truncated: false, outputTokens, disruption };
}

/** Splits JSON text into fragments of up to 16 characters, at least two when possible (§0.5). */
export function splitFragments(json: string): string[] {
  const size = Math.max(1, Math.min(16, Math.ceil(json.length / 2)));
  const fragments: string[] = [];
  for (let i = 0; i < json.length; i += size) fragments.push(json.slice(i, i + size));
  return fragments;
}

/** Plausible arguments for a JSON schema: a placeholder for each required property, else `{}`. */
export function argumentsFromSchema(schema: unknown): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  if (!isRecord(schema) || !isRecord(schema.properties) || !Array.isArray(schema.required)) return args;
  for (const key of schema.required) {
    if (typeof key !== 'string') continue;
    args[key] = placeholder(schema.properties[key]);
  }
  return args;
}

function placeholder(property: unknown): unknown {
  if (!isRecord(property)) return 'fake';
  if (Array.isArray(property.enum) && property.enum.length > 0) return property.enum[0];
  switch (property.type) {
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return argumentsFromSchema(property);
    case 'null':
      return null;
    default:
      return 'fake';
  }
}

/**
 * Reads the model text a client ends up with, through the official SDKs, streamed or not. Output
 * tests assert on exactly what an application would render.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { TestGateway } from './gateway.js';

export type Wire = 'openai' | 'anthropic';

export interface ClientResult {
  readonly text: string;
  /** Set when the request or the stream failed; the text is what arrived before. */
  readonly error: { status: number | undefined; type: string | undefined } | undefined;
}

const errorOf = (error: unknown): ClientResult['error'] => {
  const e = error as { status?: number; error?: { type?: string; error?: { type?: string } } };
  return { status: e.status, type: e.error?.error?.type ?? e.error?.type ?? (error as Error).name };
};

export async function clientText(
  gw: TestGateway,
  wire: Wire,
  prompt: string,
  stream: boolean,
  options: { key?: string; baseURL?: string; model?: string } = {},
): Promise<ClientResult> {
  const apiKey = options.key ?? gw.key;
  if (wire === 'openai') {
    const client = new OpenAI({ baseURL: options.baseURL ?? `${gw.url}/v1`, apiKey, maxRetries: 0 });
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: prompt }];
    const model = options.model ?? 'gpt-4o-mini';
    let text = '';
    try {
      if (!stream) {
        const completion = await client.chat.completions.create({ model, messages });
        return { text: completion.choices[0]?.message.content ?? '', error: undefined };
      }
      const chunks = await client.chat.completions.create({ model, messages, stream: true });
      for await (const chunk of chunks) text += chunk.choices[0]?.delta.content ?? '';
      return { text, error: undefined };
    } catch (error) {
      return { text, error: errorOf(error) };
    }
  }
  const client = new Anthropic({ baseURL: options.baseURL ?? gw.url, apiKey, maxRetries: 0 });
  const model = options.model ?? 'claude-haiku-4-5';
  const params = { model, max_tokens: 200, messages: [{ role: 'user' as const, content: prompt }] };
  let text = '';
  try {
    if (!stream) {
      const message = await client.messages.create(params);
      return {
        text: message.content.map((block) => (block.type === 'text' ? block.text : '')).join(''),
        error: undefined,
      };
    }
    const events = await client.messages.create({ ...params, stream: true });
    for await (const event of events)
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    return { text, error: undefined };
  } catch (error) {
    return { text, error: errorOf(error) };
  }
}

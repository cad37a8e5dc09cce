import type { OutgoingHttpHeaders } from 'node:http';
import {
  FAKE_COOKIE,
  FAKE_ORG,
  maskKey,
  pause,
  sendJson,
  type Exchange,
  type FakeState,
} from './exchange.js';
import { openaiErrorBody, openaiStatusFields, type OpenAIErrorFields } from './errors.js';

/** Headers OpenAI puts on every response; a gateway should strip them (they identify the account). */
export function openaiHeaders(ex: Exchange): OutgoingHttpHeaders {
  return {
    'openai-organization': FAKE_ORG,
    'openai-project': 'proj_fake123',
    'openai-version': '2020-10-01',
    'openai-processing-ms': String(Math.round(performance.now() - ex.startedAt)),
    'x-request-id': ex.requestId,
    'x-ratelimit-limit-requests': '10000',
    'x-ratelimit-remaining-requests': '9999',
    'x-ratelimit-reset-requests': '6ms',
    'x-ratelimit-limit-tokens': '30000000',
    'x-ratelimit-remaining-tokens': '29999000',
    'x-ratelimit-reset-tokens': '2ms',
    'set-cookie': FAKE_COOKIE,
  };
}

export function sendOpenAIError(
  ex: Exchange,
  status: number,
  fields: OpenAIErrorFields,
  retryAfter?: number,
): void {
  const headers = openaiHeaders(ex);
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  sendJson(ex, status, headers, openaiErrorBody(fields));
}

/** A scripted `status` scenario, after the configured latency. 429 always carries retry-after. */
export async function sendOpenAIStatus(
  ex: Exchange,
  state: FakeState,
  status: number,
  model: string,
  retryAfter: number | undefined,
): Promise<void> {
  await pause(state.latencyMs, ex);
  sendOpenAIError(
    ex,
    status,
    openaiStatusFields(status, model),
    retryAfter ?? (status === 429 ? 1 : undefined),
  );
}

/**
 * Checks `Authorization: Bearer <key>`; answers 401 like OpenAI (echoing the masked key) and
 * returns false when it is missing or not accepted.
 */
export function checkOpenAIAuth(ex: Exchange, state: FakeState): boolean {
  const header = ex.req.headers.authorization;
  const key = header !== undefined && header.startsWith('Bearer ') ? header.slice(7).trim() : '';
  if (key === '') {
    sendOpenAIError(ex, 401, {
      message:
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
      type: 'invalid_request_error',
    });
    return false;
  }
  if (!state.acceptsKey(key)) {
    sendOpenAIError(ex, 401, {
      message: `Incorrect API key provided: ${maskKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      type: 'invalid_request_error',
      code: 'invalid_api_key',
    });
    return false;
  }
  return true;
}

export const openaiBadRequest = (ex: Exchange, message: string, param: string | null, code?: string): void =>
  sendOpenAIError(ex, 400, { message, type: 'invalid_request_error', param, code: code ?? null });

/** The 500 an OpenAI stream error stands for, and its in-stream event (§0.11). */
export const OPENAI_SERVER_ERROR: OpenAIErrorFields = {
  message: 'The server had an error while processing your request. Sorry about that!',
  type: 'server_error',
};
export const OPENAI_STREAM_ERROR_EVENT = `data: ${JSON.stringify(openaiErrorBody(OPENAI_SERVER_ERROR))}\n\n`;

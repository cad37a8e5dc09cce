/**
 * OpenAI's moderation endpoint: POST {baseUrl}/moderations with `model` and an `input` array (one
 * result per string, PROTOCOL-NOTES §2). Same shared upstream client (egress allowlist, keep-alive
 * pool) and the same status mapping as chat; the response is validated strictly, because a guard
 * decides on it: anything malformed is an `upstream_error`, never a pass.
 */
import { GatewayError } from '../../core/errors.js';
import { ensureSuccess, parseBaseUrl, readJsonObject } from '../shared/exchange.js';
import type { UpstreamClient } from '../shared/http-client.js';
import type { ProviderCredential } from '../types.js';
import { USER_AGENT } from './adapter.js';

const SOURCE = 'provider:openai:moderation';
const REQUEST_ID_HEADER = 'x-request-id';
/** A moderation response is a few hundred bytes per input. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
const CATEGORY_NAME = /^[a-z][a-z/_-]{0,63}$/;

export interface ModerationCall {
  readonly inputs: readonly string[];
  readonly model: string;
  readonly credential: ProviderCredential;
  readonly signal: AbortSignal;
}

/** One input's verdict, as the provider gave it. */
export interface ModerationVerdict {
  readonly flagged: boolean;
  /** The provider's own per-category booleans (legacy models may send null: read as false). */
  readonly categories: Readonly<Record<string, boolean>>;
  readonly scores: Readonly<Record<string, number>>;
}

export interface OpenAIModeration {
  moderate(call: ModerationCall): Promise<ModerationVerdict[]>;
}

const malformed = (detail: string): GatewayError =>
  new GatewayError('upstream_error', { detail: `moderation response ${detail}`, source: SOURCE });

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function parseVerdict(value: unknown): ModerationVerdict {
  if (!isRecord(value) || typeof value.flagged !== 'boolean') throw malformed('result without flagged');
  if (!isRecord(value.categories) || !isRecord(value.category_scores)) {
    throw malformed('result without categories or scores');
  }
  const categories: Record<string, boolean> = {};
  for (const [name, flag] of Object.entries(value.categories)) {
    if (!CATEGORY_NAME.test(name)) throw malformed('has an invalid category name');
    if (flag !== null && typeof flag !== 'boolean') throw malformed('has a non-boolean category');
    categories[name] = flag === true;
  }
  const scores: Record<string, number> = {};
  for (const [name, score] of Object.entries(value.category_scores)) {
    if (!CATEGORY_NAME.test(name)) throw malformed('has an invalid category name');
    if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 1) {
      throw malformed('has a score outside 0..1');
    }
    scores[name] = score;
  }
  if (Object.keys(scores).length === 0) throw malformed('has no scores');
  return { flagged: value.flagged, categories, scores };
}

export const createOpenAIModeration = (options: {
  /** e.g. `https://api.openai.com/v1`. */
  readonly baseUrl: string;
  /** The OpenAI provider's shared upstream client (its allowlist holds the base URL's origin). */
  readonly client: UpstreamClient;
}): OpenAIModeration => {
  const endpoint = parseBaseUrl(options.baseUrl);
  const path = `${endpoint.pathPrefix}/moderations`;
  return {
    async moderate(call) {
      if (call.inputs.length === 0) return [];
      const response = await options.client.request({
        origin: endpoint.origin,
        path,
        method: 'POST',
        headers: {
          authorization: `Bearer ${call.credential.value}`,
          'content-type': 'application/json',
          accept: 'application/json',
          'user-agent': USER_AGENT,
        },
        body: JSON.stringify({ model: call.model, input: call.inputs }),
        signal: call.signal,
      });
      await ensureSuccess(response, REQUEST_ID_HEADER, SOURCE);
      const body = await readJsonObject(response, {
        maxBytes: MAX_RESPONSE_BYTES,
        signal: call.signal,
        source: SOURCE,
      });
      if (!Array.isArray(body.results)) throw malformed('without results');
      if (body.results.length !== call.inputs.length)
        throw malformed('with a result count that does not match');
      return body.results.map(parseVerdict);
    },
  };
};

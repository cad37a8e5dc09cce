import { FAKE_ORG } from './exchange.js';

/**
 * Error bodies in each provider's real shape (PROTOCOL-NOTES §1 Errors, §5 Errors). Messages imitate
 * the real ones, including the parts a gateway must never relay (masked key, organisation).
 */

export interface OpenAIErrorFields {
  message: string;
  type: string;
  param?: string | null;
  code?: string | null;
}

export const openaiErrorBody = (fields: OpenAIErrorFields): unknown => ({
  error: {
    message: fields.message,
    type: fields.type,
    param: fields.param ?? null,
    code: fields.code ?? null,
  },
});

export function openaiStatusFields(status: number, model: string): OpenAIErrorFields {
  switch (status) {
    case 400:
      return { message: 'Invalid request (fake provider).', type: 'invalid_request_error' };
    case 401:
      return {
        message:
          'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      };
    case 403:
      return {
        message: 'You are not allowed to sample from this model.',
        type: 'invalid_request_error',
        code: 'model_not_allowed',
      };
    case 404:
      return {
        message: `The model \`${model}\` does not exist or you do not have access to it.`,
        type: 'invalid_request_error',
        code: 'model_not_found',
      };
    case 429:
      return {
        message: `Rate limit reached for ${model} in organization ${FAKE_ORG} on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 1s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
        type: 'requests',
        code: 'rate_limit_exceeded',
      };
    case 503:
      return { message: 'The engine is currently overloaded, please try again later.', type: 'server_error' };
    default:
      return status >= 500
        ? {
            message: 'The server had an error while processing your request. Sorry about that!',
            type: 'server_error',
          }
        : { message: `Request failed with status ${status} (fake provider).`, type: 'invalid_request_error' };
  }
}

const ANTHROPIC_TYPES: Record<number, [type: string, message: string]> = {
  400: ['invalid_request_error', 'Invalid request (fake provider).'],
  401: ['authentication_error', 'invalid x-api-key'],
  402: ['billing_error', 'Your credit balance is too low to access the Anthropic API.'],
  403: ['permission_error', 'Your API key does not have permission to use the specified resource.'],
  404: ['not_found_error', 'Not found'],
  409: ['conflict_error', 'Conflict'],
  413: ['request_too_large', 'Request exceeds the maximum allowed number of bytes.'],
  429: [
    'rate_limit_error',
    `This request would exceed the rate limit for your organization (${FAKE_ORG}) of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits.`,
  ],
  500: ['api_error', 'Internal server error'],
  503: ['overloaded_error', 'Overloaded'],
  504: ['timeout_error', 'Request timed out'],
  529: ['overloaded_error', 'Overloaded'],
};

export function anthropicStatusFields(status: number): { type: string; message: string } {
  const known = ANTHROPIC_TYPES[status];
  if (known !== undefined) return { type: known[0], message: known[1] };
  return status >= 500
    ? { type: 'api_error', message: 'Internal server error' }
    : { type: 'invalid_request_error', message: `Request failed with status ${status} (fake provider).` };
}

export const anthropicErrorBody = (type: string, message: string, requestId: string | null): unknown => ({
  type: 'error',
  error: { type, message },
  request_id: requestId,
});

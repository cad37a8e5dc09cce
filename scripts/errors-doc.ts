import { ERROR_CATALOG } from '../src/core/errors.js';

/** Renders docs/errors.md from the catalog; `npm run docs:errors` writes it, a test checks it. */
export function renderErrorsDoc(): string {
  const rows = Object.entries(ERROR_CATALOG).map(
    ([code, spec]) =>
      `| \`${code}\` | ${spec.status} | \`${spec.openaiType}\` | \`${spec.anthropicType}\` | ${spec.retryable ? 'yes' : 'no'} | ${spec.message} | ${spec.doc} |`,
  );
  return [
    '# Errors',
    '',
    '<!-- Generated from src/core/errors.ts by `npm run docs:errors`. A test fails when this file is stale. -->',
    '',
    'Every error Bastion returns comes from one catalog. It is rendered in the wire format of the route the',
    'client called:',
    '',
    '- OpenAI routes: `{"error":{"message","type","param","code"}}` with the catalog code in `code` and the',
    '  offending field path (never its value) in `param`; request id in `x-request-id`.',
    '- Anthropic routes: `{"type":"error","error":{"type","message"},"request_id"}`; request id in `request-id`.',
    '',
    '`x-should-retry` is always set, so the official SDKs retry only when a retry can help. Retryable 429 and',
    '503 answers carry `retry-after` (seconds) and `retry-after-ms`. Mid-stream failures end the stream with an',
    'error event in the same shapes (OpenAI `data: {"error":…}`, Anthropic `event: error`), never a normal end.',
    'Internal messages, stack traces and provider bodies never reach the client; the audit event records the',
    'code and the component that raised it.',
    '',
    'One exception to the wire-format rule: a request whose headers exceed 256 KiB is refused by the HTTP',
    'parser before its path is known, so its 431 `headers_too_large` answer uses the OpenAI envelope on every',
    'route (it is still audited). Headers between `limits.maxHeaderBytes` and 256 KiB get the route’s format.',
    '',
    '| code | status | OpenAI type | Anthropic type | retry | message | when / what to do |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorsDoc());
}

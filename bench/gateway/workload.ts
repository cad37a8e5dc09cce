/** The request every target receives: an OpenAI chat completion with a ~1 KB prompt. */

/** Provider key Bastion and Portkey send upstream; the bench fake accepts any non-empty key. */
export const BENCH_PROVIDER_KEY = 'sk-bench-0000000000000000000000000000000000000000';

const SENTENCE =
  'The quarterly report shows steady growth in the northern region, while support tickets fell after the new onboarding flow shipped. ';

/** ~1 KB of ordinary English prose (about 200 tokens), so token counting does realistic work. */
export const PROMPT_TEXT = SENTENCE.repeat(Math.ceil(1000 / SENTENCE.length)).slice(0, 1000);

export function chatBody(stream: boolean): string {
  return JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You are a concise assistant.' },
      { role: 'user', content: `Summarise this in one line: ${PROMPT_TEXT}` },
    ],
    max_tokens: 64,
    ...(stream && { stream: true, stream_options: { include_usage: true } }),
  });
}

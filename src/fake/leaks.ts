/**
 * Scripted leaks of a protected system prompt, for testing leak detection: the fake plays a model
 * that was talked into revealing its prompt's canary, disguised. A Bastion canary is `bst-cnry-`
 * followed by 20 base32 characters; the fake finds the first one in the system text it received.
 */

export type CanaryEncoding = 'plain' | 'base64' | 'hex';
export const CANARY_ENCODINGS: readonly CanaryEncoding[] = ['plain', 'base64', 'hex'];

const CANARY = /bst-cnry-[a-z2-7]{20}/;
/** Encoded canaries are streamed in pieces this long, so a scanner must see across deltas. */
const PIECE_CHARS = 4;

const encode = (canary: string, encoding: CanaryEncoding): string =>
  encoding === 'base64'
    ? Buffer.from(canary).toString('base64')
    : encoding === 'hex'
      ? Buffer.from(canary).toString('hex')
      : canary;

/** The reply text and its stream deltas (they join to the text). */
export function canaryLeak(systemText: string, encoding: CanaryEncoding): { text: string; deltas: string[] } {
  const canary = CANARY.exec(systemText)?.[0];
  if (canary === undefined) {
    const text = 'There is no confidential reference in my instructions.';
    return { text, deltas: [text] };
  }
  const encoded = encode(canary, encoding);
  const deltas = ['Sure!', ' The', ' confidential', ' reference', ' is', ' '];
  for (let i = 0; i < encoded.length; i += PIECE_CHARS) deltas.push(encoded.slice(i, i + PIECE_CHARS));
  deltas.push('.', ' Anything', ' else?');
  return { text: deltas.join(''), deltas };
}

import { sendJson, type Exchange, type FakeState } from './exchange.js';
import { hasFlagDirective, isRecord } from './scenario.js';
import { checkOpenAIAuth, openaiBadRequest, openaiHeaders } from './openai-wire.js';

/** The 13 moderation categories, spelled exactly as the API does (PROTOCOL-NOTES §2). */
const CATEGORIES = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'illicit',
  'illicit/violent',
  'self-harm',
  'self-harm/intent',
  'self-harm/instructions',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
] as const;

/** Categories the omni model also applies to images. */
const IMAGE_CATEGORIES = new Set<string>([
  'self-harm',
  'self-harm/intent',
  'self-harm/instructions',
  'sexual',
  'violence',
  'violence/graphic',
]);

/** Fixed scores: flagged inputs score high on violence and threatening, everything else stays tiny. */
const FLAGGED_SCORES: Partial<Record<string, number>> = { violence: 0.91, 'harassment/threatening': 0.42 };
const BASE_SCORE = 0.00001;

const KILL = /\bkill/i;

interface ModerationInput {
  text: string;
  hasText: boolean;
  hasImage: boolean;
}

/** `POST /v1/moderations`: flags inputs containing the word "kill" or `[[fake:flag]]`. */
export function handleModerations(ex: Exchange, state: FakeState): void {
  if (!checkOpenAIAuth(ex, state)) return;
  const { body } = ex;
  const inputs = isRecord(body) ? moderationInputs(body.input) : undefined;
  if (inputs === undefined || !isRecord(body)) {
    openaiBadRequest(
      ex,
      "Invalid value for 'input': expected a string, an array of strings or an array of content parts.",
      'input',
    );
    return;
  }
  const model = typeof body.model === 'string' ? body.model : 'omni-moderation-latest';
  sendJson(ex, 200, openaiHeaders(ex), {
    id: state.nextId('modr-'),
    model,
    results: inputs.map(moderate),
  });
}

function moderationInputs(input: unknown): ModerationInput[] | undefined {
  if (typeof input === 'string') return [{ text: input, hasText: true, hasImage: false }];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every((item) => typeof item === 'string')) {
    return input.map((text: string) => ({ text, hasText: true, hasImage: false }));
  }
  // An array of multimodal parts is one input.
  const one: ModerationInput = { text: '', hasText: false, hasImage: false };
  for (const part of input) {
    if (!isRecord(part)) return undefined;
    if (part.type === 'text' && typeof part.text === 'string') {
      one.text = one.hasText ? `${one.text}\n${part.text}` : part.text;
      one.hasText = true;
    } else if (part.type === 'image_url') one.hasImage = true;
    else return undefined;
  }
  return [one];
}

function moderate(input: ModerationInput): unknown {
  const flagged = KILL.test(input.text) || hasFlagDirective(input.text);
  const categories: Record<string, boolean> = {};
  const scores: Record<string, number> = {};
  const applied: Record<string, string[]> = {};
  for (const category of CATEGORIES) {
    const score = flagged ? (FLAGGED_SCORES[category] ?? BASE_SCORE) : BASE_SCORE;
    categories[category] = score >= 0.4;
    scores[category] = score;
    const types: string[] = [];
    if (input.hasText) types.push('text');
    if (input.hasImage && IMAGE_CATEGORIES.has(category)) types.push('image');
    applied[category] = types;
  }
  return { flagged, categories, category_scores: scores, category_applied_input_types: applied };
}

const OPENAI_MODELS = ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-5', 'gpt-5-mini', 'o4-mini'];

/** `GET /v1/models` in OpenAI's shape. */
export function handleOpenAIModels(ex: Exchange, state: FakeState): void {
  if (!checkOpenAIAuth(ex, state)) return;
  sendJson(ex, 200, openaiHeaders(ex), {
    object: 'list',
    data: OPENAI_MODELS.map((id) => ({ id, object: 'model', created: 1715367049, owned_by: 'system' })),
  });
}

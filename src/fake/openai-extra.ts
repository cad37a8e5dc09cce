import { openaiStatusFields } from './errors.js';
import { pause, sendJson, type Exchange, type FakeState } from './exchange.js';
import { hasFlagDirective, isRecord } from './scenario.js';
import { checkOpenAIAuth, openaiBadRequest, openaiHeaders, sendOpenAIError } from './openai-wire.js';
import type { ModerationScenario } from './types.js';

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
/** A category counts as flagged (in `categories`) from this score, like the real model's cut-offs. */
const FLAG_AT = 0.4;
/** Score of a `[[fake:mod=<category>]]` marker without an explicit score. */
const MARKER_SCORE = 0.95;

const KILL = /\bkill/i;
/** `[[fake:mod=<category>]]` or `[[fake:mod=<category>:<score>]]` scores that category (0-1). */
const MARKER = /\[\[fake:mod=([a-z/-]{1,32})(?::(0(?:\.\d{1,6})?|1(?:\.0{1,6})?))?\]\]/g;
/** `[[fake:moderation=stall|malformed|<status>]]` scripts a failure of the moderation call itself. */
const FAILURE_DIRECTIVE = /\[\[fake:moderation=(stall|malformed|[45]\d\d)\]\]/;

interface ModerationInput {
  text: string;
  hasText: boolean;
  hasImage: boolean;
}

/**
 * `POST /v1/moderations`: deterministic scores (the word "kill" or `[[fake:flag]]` -> violence;
 * `[[fake:mod=<category>[:<score>]]]` -> that category), and scripted failures from the
 * moderation queue or a `[[fake:moderation=...]]` directive in any input.
 */
export async function handleModerations(ex: Exchange, state: FakeState): Promise<void> {
  if (!checkOpenAIAuth(ex, state)) return;
  const { body } = ex;
  const inputs = isRecord(body) ? moderationInputs(body.input) : undefined;
  const scenario = state.takeModerationScenario() ?? directiveIn(inputs);
  if (scenario?.kind === 'stall') return;
  await pause(state.latencyMs, ex);
  if (scenario?.kind === 'status') {
    sendOpenAIError(ex, scenario.status, openaiStatusFields(scenario.status, 'omni-moderation-latest'));
    return;
  }
  if (inputs === undefined || !isRecord(body)) {
    openaiBadRequest(
      ex,
      "Invalid value for 'input': expected a string, an array of strings or an array of content parts.",
      'input',
    );
    return;
  }
  const model = typeof body.model === 'string' ? body.model : 'omni-moderation-latest';
  const reply = { id: state.nextId('modr-'), model, results: inputs.map(moderate) };
  if (scenario?.kind === 'malformed') return sendMalformed(ex, reply, scenario.shape ?? 'not_json');
  sendJson(ex, 200, openaiHeaders(ex), reply);
}

function directiveIn(inputs: ModerationInput[] | undefined): ModerationScenario | undefined {
  for (const input of inputs ?? []) {
    const match = FAILURE_DIRECTIVE.exec(input.text);
    if (match === null) continue;
    const value = match[1] as string;
    if (value === 'stall') return { kind: 'stall' };
    if (value === 'malformed') return { kind: 'malformed' };
    return { kind: 'status', status: Number(value) };
  }
  return undefined;
}

/** A 200 whose body a careful client must refuse. */
function sendMalformed(
  ex: Exchange,
  reply: { id: string; model: string; results: unknown[] },
  shape: NonNullable<Extract<ModerationScenario, { kind: 'malformed' }>['shape']>,
): void {
  const headers = openaiHeaders(ex);
  if (shape === 'not_json') {
    headers['content-type'] = 'application/json';
    ex.res.writeHead(200, headers);
    ex.res.end('{"id":"modr-broken","results":[{"flagged":tr');
    return;
  }
  const body =
    shape === 'missing_results'
      ? { id: reply.id, model: reply.model }
      : shape === 'wrong_count'
        ? { ...reply, results: reply.results.slice(1) }
        : {
            ...reply,
            results: reply.results.map((result) => ({ ...(result as object), category_scores: 'high' })),
          };
  sendJson(ex, 200, headers, body);
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

/** Scores set by markers in the text, highest per category. */
function markerScores(text: string): Map<string, number> {
  const scores = new Map<string, number>();
  if (KILL.test(text) || hasFlagDirective(text)) {
    for (const [category, score] of Object.entries(FLAGGED_SCORES)) scores.set(category, score ?? 0);
  }
  if (!text.includes('[[fake:mod=')) return scores;
  for (const match of text.matchAll(MARKER)) {
    const category = match[1] as string;
    if (!(CATEGORIES as readonly string[]).includes(category)) continue;
    const score = match[2] === undefined ? MARKER_SCORE : Number(match[2]);
    scores.set(category, Math.max(scores.get(category) ?? 0, score));
  }
  return scores;
}

function moderate(input: ModerationInput): unknown {
  const marked = markerScores(input.text);
  const categories: Record<string, boolean> = {};
  const scores: Record<string, number> = {};
  const applied: Record<string, string[]> = {};
  for (const category of CATEGORIES) {
    const score = marked.get(category) ?? BASE_SCORE;
    categories[category] = score >= FLAG_AT;
    scores[category] = score;
    const types: string[] = [];
    if (input.hasText) types.push('text');
    if (input.hasImage && IMAGE_CATEGORIES.has(category)) types.push('image');
    applied[category] = types;
  }
  const flagged = Object.values(categories).some(Boolean);
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

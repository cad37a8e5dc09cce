/**
 * High-precision patterns for classic injections and jailbreak personas, matched against normalized
 * views (lower case, single spaces, look-alikes folded). A hit lifts the score to at least RULE_SCORE.
 *
 * Each pattern is written for linear matching: alternations of literals, bounded gaps ({0,n}) and no
 * nested unbounded quantifiers. The phrases are the author's own, not taken from any evaluation set.
 */
import { AnchorTable } from './features.js';

export interface InjectionRule {
  readonly id: string;
  readonly pattern: RegExp;
  /** Rules for Cyrillic or CJK phrases are skipped (cheaply) on text without that script. */
  readonly script?: 'cyrillic' | 'cjk';
  /**
   * Words (as the feature hasher tokenizes them) of which every match contains at least one; the rule
   * runs only when one was seen. Rules without anchors give `literals` (substrings) or a `script`.
   */
  readonly anchors?: readonly string[];
  readonly literals?: readonly string[];
}

export const RULE_SCORE = 0.95;

const PREVIOUS = '(?:previous|prior|above|earlier|preceding|former|initial|original|foregoing|system)';
const ORDERS = '(?:instructions?|prompts?|directions?|directives?|rules|guidelines|commands|orders|context)';

export const INJECTION_RULES: readonly InjectionRule[] = [
  {
    id: 'en.ignore-previous',
    anchors: ['ignore', 'disregard', 'forget', 'skip', 'override', 'bypass', 'drop', 'abandon'],
    pattern: new RegExp(
      `\\b(?:ignore|disregard|forget|skip|override|bypass|drop|abandon)\\s(?:(?:all|any|the|your|my|of|these|those|everything)\\s){0,3}${PREVIOUS}\\s(?:\\w+\\s)?${ORDERS}\\b`,
    ),
  },
  {
    id: 'en.reveal-system-prompt',
    anchors: ['system', 'initial', 'hidden', 'original', 'secret', 'pre', 'preprompt'],
    pattern:
      /\b(?:reveal|print|show|output|repeat|display|leak|tell me|give me|write out|disclose|dump|share|what is|what's|what are)\s(?:me\s)?(?:your|the)\s(?:(?:full|entire|complete|hidden|initial|original|secret|exact|confidential)\s){0,2}(?:system\s(?:prompt|message|instructions)|initial\sprompt|hidden\s(?:prompt|instructions)|original\sinstructions|secret\sinstructions|pre-?prompt)\b/,
  },
  {
    id: 'en.developer-mode',
    anchors: ['mode'],
    pattern:
      /\b(?:(?:you are|you're|now|enter|activate|enable|switch to|with)\s(?:now\s)?(?:in\s)?(?:the\s)?(?:developer|god|jailbreak|jailbroken|unrestricted|dan|evil)\smode|(?:developer|god|jailbreak|dan)\smode\s(?:is\s)?(?:enabled|activated)|(?:developer|god|jailbreak|dan)\smode\sis\son)\b/,
  },
  {
    id: 'en.dan',
    anchors: ['anything', 'dan'],
    pattern: /\b(?:do anything now|(?:you are|you're|act as|pretend to be|become)\s(?:now\s)?(?:a\s)?dan)\b/,
  },
  {
    id: 'en.you-are-now-unrestricted',
    anchors: ['now'],
    pattern:
      /\byou are now\s(?:a\s|an\s|in\s)?(?:unrestricted|unfiltered|uncensored|jailbroken|free from|no longer bound|evil|amoral|without)\b/,
  },
  {
    id: 'en.no-restrictions',
    anchors: [
      'restrictions',
      'guidelines',
      'filters',
      'policies',
      'policy',
      'limitations',
      'constraints',
      'boundaries',
      'guardrails',
    ],
    pattern:
      /\b(?:no|without|free (?:of|from)|not bound by|ignore|ignoring|bypass|bypassing)\s(?:any\s|all\s|the\s)?(?:ethical|moral|content|safety|openai|openai's|anthropic|anthropic's|usual|ai)\s(?:\w+\s)?(?:restrictions|guidelines|filters|policies|policy|limitations|constraints|boundaries|guardrails)\b/,
  },
  {
    id: 'en.without-filters',
    anchors: ['filter', 'filters', 'filtering', 'censorship', 'moderation', 'restrictions'],
    pattern:
      /\b(?:ai|assistant|chatbot|model|gpt|chatgpt|you)\b[^.\n]{0,40}\b(?:without|with no)\s(?:any\s)?(?:content\s|safety\s)?(?:filters?|filtering|censorship|moderation|restrictions)\b/,
  },
  {
    id: 'en.persona',
    anchors: ['jailbroken', 'unfiltered', 'uncensored', 'amoral', 'never', 'ethical', 'moral', 'character'],
    pattern:
      /\b(?:(?:you are|you're|act as|pretend to be|roleplay as)\s(?:now\s)?(?:an?\s)?(?:jailbroken|unfiltered|uncensored|amoral)\b|never refuses?\s(?:a|any)\s(?:request|question)|(?:does|do)\snot\s(?:have|follow)\s(?:any\s)?(?:ethical|moral)\s(?:guidelines|principles|restrictions)|stay in character(?: no matter what)?[,.! ]+(?:even|never|always))/,
  },
  {
    id: 'en.chat-template-token',
    literals: ['<|', 'inst]'],
    pattern: /<\|(?:im_start|im_end|system|endoftext)\|>|\[\/?inst\]\s*(?:ignore|system)/,
  },
  {
    id: 'de.ignore-previous',
    anchors: ['ignoriere', 'ignorieren', 'vergiss', 'vergessen', 'missachte', 'missachten'],
    pattern:
      /\b(?:ignoriere|ignorieren sie|vergiss|vergessen sie|missachte|missachten sie)\s(?:\S+\s){0,3}(?:vorherigen|bisherigen|vorigen|obigen|vorangegangenen|früheren)\s(?:anweisungen|instruktionen|befehle|regeln|aufgaben|vorgaben)/,
  },
  {
    id: 'de.ignore-previous-object-first',
    anchors: ['anweisungen', 'instruktionen', 'ausführungen', 'befehle', 'regeln', 'abweichend'],
    pattern:
      /\b(?:(?:vorherigen|bisherigen|vorigen|obigen|vorangegangenen)\s(?:anweisungen|instruktionen|ausführungen|befehle|regeln)\s(?:\S+\s){0,2}(?:ignorieren|vergessen|missachten)|abweichend (?:zu|von) (?:den\s)?(?:vorherigen|bisherigen|obigen) (?:anweisungen|instruktionen))\b/,
  },
  {
    id: 'de.reveal-system-prompt',
    anchors: ['zeig', 'zeige', 'nenne', 'verrate', 'gib'],
    pattern:
      /\b(?:zeige?|nenne|verrate|gib)\s(?:mir\s)?(?:deinen|den|deine|die)\s(?:system-?prompt|systemanweisungen|systemnachricht)/,
  },
  {
    id: 'fr.ignore-previous',
    anchors: ['ignore', 'ignorez', 'ignorer', 'oublie', 'oubliez', 'oublier'],
    pattern:
      /\b(?:ignore[zr]?|oublie[zr]?)\s(?:toutes\s|tous\s)?(?:les\s|tes\s|vos\s)(?:instructions|consignes|directives|règles)\b/,
  },
  {
    id: 'fr.reveal-system-prompt',
    anchors: ['prompt', 'message'],
    pattern:
      /\b(?:révèle|affiche|montre|donne)[a-z]*\s(?:-?moi\s)?(?:ton|votre|le)\s(?:prompt|message)\s(?:système|systeme)/,
  },
  {
    id: 'es.ignore-previous',
    anchors: ['ignora', 'ignore', 'olvida', 'olvide'],
    pattern:
      /\b(?:ignora|ignore|olvida|olvide)\s(?:todas\s)?(?:las\s|tus\s)?(?:instrucciones|indicaciones|reglas)\s(?:anteriores|previas)/,
  },
  {
    id: 'es.reveal-system-prompt',
    anchors: ['muestra', 'revela', 'dime', 'muéstrame', 'revélame'],
    pattern:
      /\b(?:muestra|revela|dime|muéstrame|revélame)\s(?:tu|el)\s(?:prompt|mensaje)\s(?:del\s|de\s)?sistema/,
  },
  {
    id: 'it.ignore-previous',
    anchors: ['ignora', 'dimentica', 'ignorate', 'dimenticate'],
    pattern:
      /\b(?:ignora|dimentica|ignorate|dimenticate)\s(?:tutte\s)?(?:le\s)?(?:istruzioni|regole|indicazioni)\s(?:precedenti|sopra)/,
  },
  {
    id: 'pt.ignore-previous',
    anchors: ['ignore', 'ignora', 'esqueça', 'esqueca'],
    pattern:
      /\b(?:ignore|ignora|esqueça|esqueca)\s(?:todas\s)?(?:as\s)?(?:instruções|instrucoes|regras)\s(?:anteriores|acima)/,
  },
  {
    id: 'nl.ignore-previous',
    anchors: ['negeer', 'vergeet'],
    pattern:
      /\b(?:negeer|vergeet)\s(?:alle\s)?(?:de\s)?(?:vorige|eerdere|voorgaande|bovenstaande)\s(?:instructies|opdrachten|regels)/,
  },
  {
    id: 'ru.ignore-previous',
    script: 'cyrillic',
    pattern:
      /(?:игнорируй|игнорируйте|проигнорируй|забудь|забудьте)\s(?:все\s)?(?:(?:предыдущие|прежние|прошлые|вышеуказанные|свои|твои)\s)?(?:инструкции|указания|правила|команды)/,
  },
  {
    id: 'ru.reveal-system-prompt',
    script: 'cyrillic',
    pattern: /(?:покажи|выведи|раскрой)\s(?:мне\s)?(?:свой\s|твой\s)?системный\s(?:промпт|запрос)/,
  },
  {
    id: 'multi.developer-mode',
    // Anchors are whole words: 'entwicklermodus' inside a longer compound is not matched (accepted).
    anchors: ['entwicklermodus', 'mode', 'modo', 'modalità', 'режим', '开', '開'],
    pattern:
      /(?:entwicklermodus|mode développeur|modo desarrollador|modalità sviluppatore|modo desenvolvedor|режим разработчика|开发者模式|開発者モード)/,
  },
  {
    id: 'zh.ignore-previous',
    script: 'cjk',
    pattern:
      /(?:忽略|无视|忘记|忽视|忘掉)(?:之前|以前|上面|先前|上述|所有|前面)(?:的)?(?:所有)?(?:的)?(?:指令|指示|说明|规则|提示)/,
  },
  {
    id: 'zh.reveal-system-prompt',
    script: 'cjk',
    pattern: /(?:显示|输出|告诉我|打印|泄露|透露)(?:你的)?(?:系统提示|系统指令)/,
  },
  {
    id: 'ja.ignore-previous',
    script: 'cjk',
    pattern: /(?:以前|前|上記|これまで)の(?:指示|命令|指令|ルール)を(?:すべて|全て)?(?:無視|忘れ)/,
  },
  { id: 'ja.reveal-system-prompt', script: 'cjk', pattern: /システムプロンプトを(?:表示|教え|出力|見せ)/ },
];

if (INJECTION_RULES.length > 31) throw new Error('rules: anchor masks hold at most 31 rules');
for (const rule of INJECTION_RULES)
  if (rule.anchors === undefined && rule.literals === undefined && rule.script === undefined)
    throw new Error(`rule ${rule.id}: needs anchors, literals or a script gate`);

/** Anchor word → mask of the rules (by index) it enables. */
export const RULE_ANCHORS = new AnchorTable(
  INJECTION_RULES.reduce((map, rule, index) => {
    for (const word of rule.anchors ?? []) map.set(word, (map.get(word) ?? 0) | (1 << index));
    return map;
  }, new Map<string, number>()),
);

/**
 * Adds to `hits` the ids of rules matching `text` (a normalized view), testing only rules whose gate
 * is open: an anchor word in `anchorMask` (from FeatureVector.hash over the same text), a literal
 * substring, or the rule's script. Equivalent to testing every rule (tests/unit check it). With
 * `firstOnly` it stops at the first hit (one hit is enough to lift the score).
 */
export function matchRulesGated(text: string, anchorMask: number, hits: string[], firstOnly = false): void {
  let cyrillic: boolean | undefined;
  let cjk: boolean | undefined;
  for (let index = 0; index < INJECTION_RULES.length; index++) {
    const rule = INJECTION_RULES[index];
    if (rule === undefined || hits.includes(rule.id)) continue;
    let open = (anchorMask & (1 << index)) !== 0;
    if (!open && rule.literals !== undefined) open = rule.literals.some((literal) => text.includes(literal));
    if (!open && rule.script === 'cyrillic') open = cyrillic ??= CYRILLIC.test(text);
    if (!open && rule.script === 'cjk') open = cjk ??= CJK.test(text);
    if (open && rule.pattern.test(text)) {
      hits.push(rule.id);
      if (firstOnly) return;
    }
  }
}

/** Ids of the rules that match any of the given normalized texts (each rule reported once). */
export function matchRules(texts: readonly string[]): string[] {
  const hits: string[] = [];
  // One scan with the union of the script-free rules first: most texts match none of them, and one
  // combined scan costs about half of the separate ones.
  const candidates = texts.map((text) => ({
    text,
    latin: ANY_LATIN_RULE.test(text),
    cyrillic: CYRILLIC.test(text),
    cjk: CJK.test(text),
  }));
  for (const rule of INJECTION_RULES) {
    const applies = (candidate: (typeof candidates)[number]): boolean =>
      rule.script === undefined
        ? candidate.latin
        : rule.script === 'cyrillic'
          ? candidate.cyrillic
          : candidate.cjk;
    if (candidates.some((candidate) => applies(candidate) && rule.pattern.test(candidate.text)))
      hits.push(rule.id);
  }
  return hits;
}
const CYRILLIC = /[\u0400-\u04ff]/;
const CJK = /[\u3040-\u30ff\u4e00-\u9fff]/;
const ANY_LATIN_RULE = new RegExp(
  INJECTION_RULES.filter((rule) => rule.script === undefined)
    .map((rule) => `(?:${rule.pattern.source})`)
    .join('|'),
);

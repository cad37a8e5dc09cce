/**
 * The built-in content profiles. They are deliberately modest starting points, not complete lists:
 * word lists catch the obvious and miss paraphrase, misspelling and context, which is what the
 * moderation model is for. Operators extend them under `contentProfiles.<name>` in the config.
 *
 * Not listed on purpose: self-harm words (a child asking for help must not be refused by a word
 * list; moderation's self-harm categories judge context) and slurs (moderation's hate categories
 * cover them far better than any list we could write honestly).
 */
import type { FilterRegexRule } from '../../core/policy.js';
import type { BUILTIN_CONTENT_PROFILES } from '../../core/filter-rules.js';

export interface BuiltinProfile {
  readonly keywords: readonly string[];
  readonly regexes: readonly FilterRegexRule[];
}

/** Common English profanity, matched as words (a trailing `*` also matches longer forms). */
const PROFANITY = [
  'fuck*',
  'motherfuck*',
  'shit*',
  'bullshit',
  'bitch*',
  'cunt*',
  'asshole*',
  'dickhead*',
  'bastard*',
  'wanker*',
  'twat*',
  'piss off',
];

/** Sexually explicit terms. */
const SEXUAL = [
  'porn*',
  'nude',
  'nudes',
  'naked pics',
  'sexting',
  'hentai',
  'blowjob*',
  'handjob*',
  'orgasm*',
  'masturbat*',
  'dildo*',
  'onlyfans',
  'xxx',
];

/** Hard drugs by name. */
const DRUGS = [
  'cocaine',
  'heroin',
  'meth',
  'methamphetamine',
  'fentanyl',
  'mdma',
  'ecstasy pills',
  'crack pipe',
];

export const BUILTIN_PROFILES: Readonly<Record<(typeof BUILTIN_CONTENT_PROFILES)[number], BuiltinProfile>> = {
  /** For apps used by children: profanity, explicit sexual terms, hard drugs, and sharing contact details. */
  children: {
    keywords: [...PROFANITY, ...SEXUAL, ...DRUGS],
    regexes: [
      // A child sharing (or being asked for) an e-mail address or a formatted phone number.
      { id: 'contact-email', pattern: '[a-z0-9._%+-]{1,64}@[a-z0-9-]{1,63}\\.[a-z]{2,24}', flags: 'i' },
      {
        id: 'contact-phone',
        pattern: '(?:\\+\\d{1,3}[ .-]?)?\\(?\\d{3}\\)?[ .-]\\d{3}[ .-]\\d{4}',
        flags: '',
      },
    ],
  },
  /** For workplace assistants: profanity and explicit sexual terms. */
  workplace: {
    keywords: [...PROFANITY, ...SEXUAL],
    regexes: [],
  },
};

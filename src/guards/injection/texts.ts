/** The injection guard scores the same text fields as every other content guard (see detect/request-texts.ts). */
export { requestTexts } from '../../detect/request-texts.js';

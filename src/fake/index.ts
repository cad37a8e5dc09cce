export { startFakeProvider } from './server.js';
export type {
  FakeProvider,
  FakeProviderOptions,
  ModerationScenario,
  RecordedRequest,
  Scenario,
} from './types.js';
export { countTokens } from './tokens.js';

/** Exit codes of every `bastion` command. */
export const EXIT = {
  ok: 0,
  /** Runtime failure: could not start, store unavailable, ... */
  failure: 1,
  /** Usage or configuration error: wrong flags, invalid config, missing secret. */
  usage: 2,
} as const;

/** An error whose message is safe and useful to print as is, with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

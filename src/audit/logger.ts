import { once } from 'node:events';
import { pino } from 'pino';
import type { Logger as PinoLogger, Level } from 'pino';

/** The project's logger type. pino is imported only in this folder. */
export type Logger = PinoLogger;
export type LogLevel = Level | 'silent';

export interface LoggerOptions {
  readonly level: LogLevel;
  /** `stdout`, a file path (parent directories are created), or any writable stream (tests). */
  readonly destination: 'stdout' | { readonly file: string } | NodeJS.WritableStream;
  /** Applied to every serialized line before it is written: removes known secret values. */
  readonly redact: (line: string) => string;
  /** Fields on every line; defaults to pino's pid/hostname. Pass `{}` for none. */
  readonly base?: Record<string, unknown>;
}

/**
 * Creates a JSON-lines logger whose every line, whatever its fields, passes through `redact` before
 * reaching the destination (pino `hooks.streamWrite`), so a secret that slips into a log call is
 * still masked. File and stdout writes are asynchronous; call `logger.flush()` before exit.
 */
export function createLogger(options: LoggerOptions): Logger {
  const { destination, redact } = options;
  const boom =
    destination === 'stdout'
      ? pino.destination({ dest: 1, sync: false })
      : 'file' in destination
        ? pino.destination({ dest: destination.file, mkdir: true, sync: false })
        : undefined;
  const stream = boom ?? (destination as NodeJS.WritableStream);
  const logger = pino(
    {
      level: options.level,
      ...(options.base === undefined ? {} : { base: options.base }),
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: { streamWrite: (line: string) => safeRedact(redact, line) },
    },
    stream,
  );
  if (boom !== undefined) destinations.set(logger, boom);
  return logger;
}

const REDACTOR_FAILED_LINE = `${JSON.stringify({ level: 50, msg: 'log line dropped: redactor failed' })}\n`;

/** A redactor that throws must not let the unredacted line through (fail closed) nor break the caller. */
function safeRedact(redact: (line: string) => string, line: string): string {
  try {
    return redact(line);
  } catch {
    return REDACTOR_FAILED_LINE;
  }
}

type Destination = ReturnType<typeof pino.destination>;
/** The async stdout/file destinations we created, so they can be flushed before exit. */
const destinations = new WeakMap<Logger, Destination>();
const READY_WAIT_MS = 1000;

/**
 * Writes whatever the logger's stdout/file destination still buffers, synchronously (meant for
 * shutdown). Waits briefly for a file that is still opening. No-op for caller-supplied streams.
 */
export async function flushLogger(logger: Logger): Promise<void> {
  const destination = destinations.get(logger);
  if (destination === undefined) return;
  try {
    destination.flushSync();
    return;
  } catch {
    // Not open yet: wait for it below (bounded, so a file that never opens cannot hang shutdown).
  }
  const timeout = AbortSignal.timeout(READY_WAIT_MS);
  try {
    await once(destination, 'ready', { signal: timeout });
    destination.flushSync();
  } catch {
    // Nothing more can be done; the destination reports its own errors.
  }
}

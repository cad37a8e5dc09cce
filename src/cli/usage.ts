/**
 * `bastion usage`: spend, requests and tokens from the ledger for a month (in the budget time zone)
 * or an explicit time range, grouped by app, key, pseudonymous user, model and/or environment.
 * Prints a table or JSON. Reads only the ledger: amounts and names, never request content.
 */
import { openLedgerStore } from '../app.js';
import type { BastionConfig } from '../config/schema.js';
import { CliError, EXIT } from './exit-codes.js';
import type { CliIO } from './io.js';

type UsageField = 'app' | 'keyId' | 'user' | 'model' | 'environment';

/** The part of LedgerStore this command reads (cli may not import store ports, see dependency rules). */
export interface UsageLedger {
  usage(
    fromIso: string,
    toIso: string,
    groupBy: readonly UsageField[],
  ): Promise<
    {
      readonly group: Readonly<Record<string, string | null>>;
      readonly requests: number;
      readonly inputTokens: number;
      readonly outputTokens: number;
      readonly costMicros: number;
    }[]
  >;
}

/** Signature of app.ts `openLedgerStore`. */
export type OpenLedgerStore = (
  config: BastionConfig,
  env?: NodeJS.ProcessEnv,
) => Promise<{ readonly ledger: UsageLedger; close(): Promise<void> }>;

export interface UsageOptions {
  readonly month?: string;
  readonly from?: string;
  readonly to?: string;
  readonly by?: string;
  readonly json?: boolean;
}

/** `--by` names -> ledger entry fields. */
const BY_FIELDS: Record<string, UsageField> = {
  app: 'app',
  key: 'keyId',
  user: 'user',
  model: 'model',
  environment: 'environment',
};
const FIELD_LABEL: Record<UsageField, string> = {
  app: 'app',
  keyId: 'key',
  user: 'user',
  model: 'model',
  environment: 'environment',
};

export function parseGroupBy(by: string | undefined): UsageField[] {
  const names = (by ?? 'app')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const fields: UsageField[] = [];
  for (const name of names) {
    const field = BY_FIELDS[name];
    if (field === undefined)
      throw new CliError(`--by: unknown field "${name}"; use any of ${Object.keys(BY_FIELDS).join(',')}`);
    if (!fields.includes(field)) fields.push(field);
  }
  return fields;
}

/** Offset of `timeZone` from UTC at `epochMs`, in milliseconds. */
function zoneOffsetMs(epochMs: number, timeZone: string): number {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const part = (type: string): number =>
    Number(format.formatToParts(epochMs).find((p) => p.type === type)?.value ?? Number.NaN);
  const wall = Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  );
  return wall - Math.floor(epochMs / 1000) * 1000;
}

/** Epoch ms of local midnight starting the 1st of `month` (1-12) in `timeZone`. */
function monthStartMs(year: number, month: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, 1);
  const guess = wall - zoneOffsetMs(wall, timeZone);
  // Re-read the offset at the guess: right when the month starts near a DST change.
  return wall - zoneOffsetMs(guess, timeZone);
}

/** [from, to) ISO strings of a calendar month in `timeZone`. */
export function monthRange(month: string, timeZone: string): { from: string; to: string } {
  const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (match === null) throw new CliError(`--month: expected YYYY-MM, got "${month}"`);
  const year = Number(match[1]);
  const index = Number(match[2]);
  const next = index === 12 ? [year + 1, 1] : [year, index + 1];
  return {
    from: new Date(monthStartMs(year, index, timeZone)).toISOString(),
    to: new Date(monthStartMs(next[0] ?? year, next[1] ?? 1, timeZone)).toISOString(),
  };
}

/** The current month (YYYY-MM) in `timeZone`. */
export function currentMonth(nowMs: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
  }).formatToParts(nowMs);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}`;
}

function resolveRange(options: UsageOptions, timeZone: string, nowMs: number) {
  if (options.month !== undefined && (options.from !== undefined || options.to !== undefined))
    throw new CliError('use either --month or --from/--to, not both');
  if ((options.from === undefined) !== (options.to === undefined))
    throw new CliError('--from and --to go together');
  if (options.from !== undefined && options.to !== undefined) {
    const from = Date.parse(options.from);
    const to = Date.parse(options.to);
    if (!Number.isFinite(from) || !Number.isFinite(to))
      throw new CliError('--from/--to: expected ISO-8601 times, e.g. 2026-01-01T00:00:00Z');
    if (from >= to) throw new CliError('--from must be before --to');
    return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  }
  return monthRange(options.month ?? currentMonth(nowMs, timeZone), timeZone);
}

/** Micro-dollars -> USD with 4 decimals, rounded half up, in integer arithmetic. */
export const formatUsd = (micros: number): string => {
  const tenThousandths = Math.round(micros / 100);
  return `${Math.floor(tenThousandths / 10_000)}.${String(tenThousandths % 10_000).padStart(4, '0')}`;
};

function renderTable(headers: string[], rows: string[][], numericFrom: number): string {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i >= numericFrom ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export async function usageReport(
  io: CliIO,
  config: BastionConfig,
  options: UsageOptions,
  openLedgerStore: OpenLedgerStore,
  nowMs: number = Date.now(),
): Promise<void> {
  const timeZone = config.budgets.timeZone;
  const fields = parseGroupBy(options.by);
  const range = resolveRange(options, timeZone, nowMs);
  let store;
  try {
    store = await openLedgerStore(config, io.env);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(`could not open the spend ledger: ${reason}`, EXIT.failure);
  }
  let rows;
  try {
    rows = await store.ledger.usage(range.from, range.to, fields);
  } finally {
    await store.close();
  }
  const totals = rows.reduce(
    (sum, row) => ({
      requests: sum.requests + row.requests,
      inputTokens: sum.inputTokens + row.inputTokens,
      outputTokens: sum.outputTokens + row.outputTokens,
      costMicros: sum.costMicros + row.costMicros,
    }),
    { requests: 0, inputTokens: 0, outputTokens: 0, costMicros: 0 },
  );
  const labelled = (group: Readonly<Record<string, string | null>>) =>
    Object.fromEntries(fields.map((field) => [FIELD_LABEL[field], group[field] ?? null]));
  if (options.json) {
    io.out(
      JSON.stringify({
        from: range.from,
        to: range.to,
        timeZone,
        groupBy: fields.map((field) => FIELD_LABEL[field]),
        rows: rows.map((row) => ({
          ...labelled(row.group),
          requests: row.requests,
          inputTokens: row.inputTokens,
          outputTokens: row.outputTokens,
          costMicros: row.costMicros,
          costUsd: row.costMicros / 1e6,
        })),
        totals: { ...totals, costUsd: totals.costMicros / 1e6 },
      }),
    );
    return;
  }
  const numbers = (r: typeof totals) => [
    String(r.requests),
    String(r.inputTokens),
    String(r.outputTokens),
    formatUsd(r.costMicros),
  ];
  const headers = [
    ...fields.map((field) => FIELD_LABEL[field]),
    'requests',
    'input_tokens',
    'output_tokens',
    'usd',
  ];
  const body = rows.map((row) => [...fields.map((field) => row.group[field] ?? '-'), ...numbers(row)]);
  body.push([...fields.map((_, i) => (i === 0 ? 'TOTAL' : '')), ...numbers(totals)]);
  io.out(`Usage from ${range.from} to ${range.to} (${timeZone})`);
  io.out(renderTable(headers, body, fields.length));
}

/**
 * app.ts `openLedgerStore`, looked up at run time so this command builds before the composition root
 * provides it. TODO(lead): replace with a static import once src/app.ts exports it.
 */
export async function defaultOpenLedgerStore(): Promise<OpenLedgerStore> {
  return openLedgerStore;
}

import { CliError } from './exit-codes.js';

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30d`, `12h`, `90m` or an ISO date -> epoch ms. */
export function parseExpiry(value: string, now: number): number {
  const match = /^(\d{1,6})([mhd])$/.exec(value.trim());
  if (match) return now + Number(match[1]) * (UNITS[match[2] as string] as number);
  const date = Date.parse(value);
  if (Number.isNaN(date))
    throw new CliError(`--expires: expected e.g. 30d, 12h, 90m or an ISO date, got "${value}"`);
  if (date <= now) throw new CliError('--expires: the date is in the past');
  return date;
}

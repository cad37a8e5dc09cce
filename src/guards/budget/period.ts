/**
 * Budget periods are calendar months in a configured IANA time zone: a request at 23:30 on 31 January
 * in New York belongs to `2026-01` even though it is already February in UTC.
 */

/** Returns `(epochMs) => 'YYYY-MM'` for `timeZone`; throws RangeError for an unknown zone (fail at startup). */
export function createPeriodOf(timeZone: string): (epochMs: number) => string {
  const format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit' });
  // Formatting costs a few microseconds; months change on minute boundaries in every time zone, so
  // one result per wall-clock minute is exact and keeps it off the per-request bill.
  let cachedMinute = Number.NaN;
  let cachedPeriod = '';
  return (epochMs) => {
    if (!Number.isFinite(epochMs)) throw new RangeError('epochMs must be a finite time');
    const minute = Math.floor(epochMs / 60_000);
    if (minute === cachedMinute) return cachedPeriod;
    cachedPeriod = formatPeriod(epochMs);
    cachedMinute = minute;
    return cachedPeriod;
  };

  function formatPeriod(epochMs: number): string {
    let year = '';
    let month = '';
    for (const part of format.formatToParts(epochMs)) {
      if (part.type === 'year') year = part.value;
      else if (part.type === 'month') month = part.value;
    }
    if (!/^\d{4}$/.test(year) || !/^\d{2}$/.test(month)) throw new RangeError('cannot format the period');
    return `${year}-${month}`;
  }
}

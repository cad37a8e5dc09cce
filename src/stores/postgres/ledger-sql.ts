/**
 * The ledger's SQL for one schema (already validated and quoted). Lock order everywhere is
 * (scope_key, period) under the "C" collation, so it is the same on every replica and every locale.
 */
export function ledgerSql(s: string) {
  const activeReserved = (key: string, period: string, now: string) => `
    (SELECT COALESCE(SUM(r.amount_micros), 0) FROM ${s}.ledger_reservation_scopes r
     WHERE r.scope_key = ${key} AND r.period = ${period} AND r.expires_at > ${now})`;

  return {
    ensureTotals: `
      INSERT INTO ${s}.ledger_scope_totals (scope_key, period)
      SELECT u.k, u.p FROM unnest($1::text[], $2::text[]) AS u(k, p)
      ORDER BY u.k COLLATE "C", u.p COLLATE "C"
      ON CONFLICT DO NOTHING`,

    lockTotals: `
      SELECT 1 FROM ${s}.ledger_scope_totals t
      JOIN unnest($1::text[], $2::text[]) AS u(k, p) ON t.scope_key = u.k AND t.period = u.p
      ORDER BY t.scope_key COLLATE "C", t.period COLLATE "C"
      FOR UPDATE OF t`,

    // Runs after lockTotals, so its snapshot includes everything earlier lock holders committed.
    // $1 id, $2 amount, $3 ttl ms, $4 keys, $5 periods, $6 caps.
    checkAndInsert: `
      WITH clock AS (SELECT clock_timestamp() AS now),
      k AS (
        SELECT u.ord, u.k AS scope_key, u.p AS period, u.cap, t.committed_micros AS committed,
          ${activeReserved('u.k', 'u.p', '(SELECT now FROM clock)')} AS reserved
        FROM unnest($4::text[], $5::text[], $6::bigint[]) WITH ORDINALITY AS u(k, p, cap, ord)
        JOIN ${s}.ledger_scope_totals t ON t.scope_key = u.k AND t.period = u.p
      ),
      fits AS (SELECT COALESCE(bool_and(committed + reserved + $2::bigint <= cap), true) AS ok FROM k),
      r AS (
        INSERT INTO ${s}.ledger_reservations (reservation_id, amount_micros, expires_at)
        SELECT $1, $2::bigint, clock.now + $3::double precision * interval '1 millisecond' FROM clock, fits
        WHERE fits.ok AND NOT EXISTS (SELECT 1 FROM ${s}.ledger_entries e WHERE e.reservation_id = $1)
        RETURNING reservation_id, amount_micros, expires_at
      ),
      rs AS (
        INSERT INTO ${s}.ledger_reservation_scopes
          (reservation_id, scope_key, period, cap_micros, amount_micros, expires_at)
        SELECT r.reservation_id, k.scope_key, k.period, k.cap, r.amount_micros, r.expires_at FROM r CROSS JOIN k
      )
      SELECT (SELECT ok FROM fits) AS ok, (SELECT count(*) FROM r)::int AS inserted,
        (SELECT json_agg(json_build_object('scope', scope_key, 'committed', committed, 'reserved', reserved,
           'cap', cap) ORDER BY ord) FROM k) AS scopes`,

    commitLookup: `
      SELECT EXISTS (SELECT 1 FROM ${s}.ledger_entries WHERE reservation_id = $1) AS settled,
        COALESCE((SELECT json_agg(json_build_object('key', scope_key, 'period', period, 'cap', cap_micros))
                  FROM ${s}.ledger_reservation_scopes WHERE reservation_id = $1), '[]'::json) AS scopes`,

    // Evaluated after the scope rows are locked, so no reserve can slip in between the check and the write.
    takeReservation: `
      DELETE FROM ${s}.ledger_reservations WHERE reservation_id = $1
      RETURNING amount_micros, expires_at <= clock_timestamp() AS expired`,

    // $1 keys, $2 periods, $3 caps.
    room: `
      SELECT MIN(u.cap - COALESCE(t.committed_micros, 0) - ${activeReserved('u.k', 'u.p', 'clock_timestamp()')})
        AS room
      FROM unnest($1::text[], $2::text[], $3::bigint[]) AS u(k, p, cap)
      LEFT JOIN ${s}.ledger_scope_totals t ON t.scope_key = u.k AND t.period = u.p`,

    // $1 keys, $2 periods (empty for an unknown reservation), $3 charge, $4.. the entry.
    settle: `
      WITH add AS (
        UPDATE ${s}.ledger_scope_totals t SET committed_micros = t.committed_micros + $3::bigint
        FROM unnest($1::text[], $2::text[]) AS u(k, p) WHERE t.scope_key = u.k AND t.period = u.p
      )
      INSERT INTO ${s}.ledger_entries (reservation_id, request_id, ts, environment, app, key_id, user_id, model,
        input_tokens, cached_input_tokens, output_tokens, cost_micros)
      VALUES ($4, $5, $6::timestamptz, $7, $8, $9, $10, $11, $12, $13, $14, $3::bigint)
      ON CONFLICT (reservation_id) DO NOTHING`,

    release: `DELETE FROM ${s}.ledger_reservations WHERE reservation_id = $1`,

    totals: `
      SELECT COALESCE((SELECT committed_micros FROM ${s}.ledger_scope_totals
                       WHERE scope_key = $1 AND period = $2), 0) AS committed,
        ${activeReserved('$1', '$2', 'clock_timestamp()')} AS reserved`,

    markAlert: `
      INSERT INTO ${s}.ledger_alerts (scope_key, period, threshold_percent) VALUES ($1, $2, $3)
      ON CONFLICT DO NOTHING RETURNING 1`,

    /** `columns` come from a fixed whitelist, never from input. */
    usage: (columns: readonly string[]) => `
      SELECT ${columns.map((c) => `${c}, `).join('')}count(*) AS requests, SUM(input_tokens) AS input_tokens,
        SUM(output_tokens) AS output_tokens, SUM(cost_micros) AS cost_micros
      FROM ${s}.ledger_entries WHERE ts >= $1::timestamptz AND ts < $2::timestamptz
      ${columns.length > 0 ? `GROUP BY ${columns.join(', ')}` : ''} HAVING count(*) > 0`,

    // SKIP LOCKED: replicas sweeping at once, or a commit holding a row, never make the sweep wait.
    sweep: `
      DELETE FROM ${s}.ledger_reservations WHERE reservation_id IN (
        SELECT reservation_id FROM ${s}.ledger_reservations
        WHERE expires_at < clock_timestamp() - $1::double precision * interval '1 millisecond'
        ORDER BY expires_at LIMIT 1000 FOR UPDATE SKIP LOCKED)`,
  };
}

export type LedgerSql = ReturnType<typeof ledgerSql>;

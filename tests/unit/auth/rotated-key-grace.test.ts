/**
 * A rotated gateway key (its revocation scheduled in the future by `bastion keys rotate`) keeps
 * working until then, and every request made with it carries the `auth.rotated_key_grace` trigger.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { generateGatewayKey } from '../../../src/core/gateway-key.js';
import { createAuthGuard, ROTATED_KEY_GRACE_TRIGGER } from '../../../src/guards/auth/index.js';
import { newContext } from '../../../src/pipeline/context.js';
import { openSqlite, SqliteKeyStore } from '../../../src/stores/sqlite/index.js';
import { appPolicy, gatewayRequest } from '../../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'bastion-grace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const HOUR = 3_600_000;

describe('rotated key grace period', () => {
  it('accepts the old key until its scheduled revocation, flagged, then refuses it', async () => {
    const clock = new ManualClock();
    const keys = new SqliteKeyStore(openSqlite(join(dir, 'keys.db')));
    const apps = new Map([['test', appPolicy({ id: 'test' })]]);
    const guard = createAuthGuard({ keys, apps, clock });
    const old = generateGatewayKey();
    const fresh = generateGatewayKey();
    const record = {
      appId: 'test',
      label: null,
      models: null,
      createdAt: clock.now(),
      expiresAt: null,
      revokedAt: null,
    };
    await keys.create({ ...record, id: old.id, hash: old.hash });
    await keys.create({ ...record, id: fresh.id, hash: fresh.hash });
    await keys.revoke(old.id, clock.now() + HOUR);

    const check = async (credential: string) => {
      const ctx = newContext(gatewayRequest({ credential }));
      const decision = await guard.check(ctx);
      return { decision, triggers: ctx.triggers, keyId: ctx.principal?.keyId };
    };
    expect(await check(old.key)).toEqual({
      decision: { action: 'allow' },
      triggers: [ROTATED_KEY_GRACE_TRIGGER],
      keyId: old.id,
    });
    expect(await check(fresh.key)).toEqual({ decision: { action: 'allow' }, triggers: [], keyId: fresh.id });
    expect((await guard.authenticate(old.key)).rotatedKeyGraceUntil).toBe(clock.now() + HOUR);

    // The end of the grace period is checked against the clock even while the record is cached.
    clock.advance(HOUR);
    const after = await check(old.key);
    expect(after.decision).toMatchObject({ action: 'deny', error: { code: 'invalid_api_key' } });
    expect((after.decision as { error: { detail?: string } }).error.detail).toBe(`revoked key_id=${old.id}`);
    expect((await check(fresh.key)).decision).toEqual({ action: 'allow' });
    await keys.close();
  });
});

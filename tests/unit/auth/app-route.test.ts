/**
 * App routes (`/v1/apps/{app}/...`) serve one app: the auth guard refuses a key of any other app,
 * and of an app that does not exist, with the same `app_not_allowed`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { generateGatewayKey } from '../../../src/core/gateway-key.js';
import { createAuthGuard } from '../../../src/guards/auth/index.js';
import { newContext } from '../../../src/pipeline/context.js';
import { openSqlite, SqliteKeyStore } from '../../../src/stores/sqlite/index.js';
import { appPolicy, gatewayRequest } from '../../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'bastion-app-route-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('auth guard on app routes', async () => {
  const keys = new SqliteKeyStore(openSqlite(join(dir, 'keys.db')));
  const apps = new Map([
    ['support', appPolicy({ id: 'support' })],
    ['billing', appPolicy({ id: 'billing' })],
  ]);
  const guard = createAuthGuard({ keys, apps, clock: new ManualClock(1_000) });
  const issued = generateGatewayKey();
  await keys.create({
    id: issued.id,
    appId: 'support',
    hash: issued.hash,
    label: null,
    models: null,
    createdAt: 0,
    expiresAt: null,
    revokedAt: null,
  });
  const check = async (routeApp: string | undefined) => {
    const ctx = newContext(gatewayRequest({ credential: issued.key, routeApp }));
    return { decision: await guard.check(ctx), ctx };
  };

  it('admits the key on its own app route and on the plain routes', async () => {
    expect((await check('support')).decision).toEqual({ action: 'allow' });
    expect((await check(undefined)).decision).toEqual({ action: 'allow' });
  });

  it.each(['billing', 'unknown-app', '', 'Support'])(
    'refuses it on /v1/apps/%s with app_not_allowed',
    async (app) => {
      const { decision, ctx } = await check(app);
      expect(decision.action === 'deny' && decision.error.code).toBe('app_not_allowed');
      // The audit event still says who called.
      expect(ctx.principal?.appId).toBe('support');
    },
  );
});

/**
 * Import rules from docs/architecture.md, enforced in `npm run lint`.
 * Each driver is imported in exactly one folder; layers import only what the table allows.
 */
const layer = (name) => `^src/${name}/`;
const forbidden = [];
const rule = (name, from, to, comment) =>
  forbidden.push({ name, severity: 'error', comment, from: { path: from }, to: { path: to } });

rule('core-imports-nothing', layer('core'), '^src/(?!core/)', 'core imports nothing else from src/');
// The one exception: the secret patterns (pure regexes), to refuse credentials in system prompts at load.
rule(
  'config-only-core',
  layer('config'),
  '^src/(?!core/|config/|detect/secrets/patterns\\.ts$)',
  'config imports only core (and the secret patterns)',
);
rule('fake-only-core', layer('fake'), '^src/(?!core/|fake/)', 'the fake provider imports only core');
rule('monitor-only-core', layer('monitor'), '^src/(?!core/|monitor/)', 'monitor imports only core');
rule('identity-only-core', layer('identity'), '^src/(?!core/|identity/)', 'identity imports only core');
rule('pipeline-only-core', layer('pipeline'), '^src/(?!core/|pipeline/)', 'pipeline imports only core');
rule(
  'guards-boundaries',
  layer('guards'),
  '^src/(engine|http|cli|app\\.ts|stores/(memory|sqlite|redis|postgres)/|providers/(openai|anthropic|shared)/|secrets/|config/)',
  'guards see core, pipeline, detect, store ports and provider types only',
);
forbidden.push({
  name: 'no-guard-imports-another-guard',
  severity: 'error',
  comment: 'no guard imports another guard',
  from: { path: '^src/guards/([^/]+)/' },
  to: { path: '^src/guards/', pathNot: '^src/guards/$1/' },
});
rule(
  'providers-boundaries',
  layer('providers'),
  '^src/(guards|stores|engine|http|cli|app\\.ts|config|secrets|audit|monitor|pipeline)',
  'providers see core and providers/shared only',
);
forbidden.push({
  name: 'store-adapters-isolated',
  severity: 'error',
  comment: 'a store adapter imports core, the ports and its own driver only',
  from: { path: '^src/stores/(memory|sqlite|redis|postgres)/' },
  to: {
    path: '^src/',
    pathNot: ['^src/core/', '^src/stores/ports\\.ts$', '^src/stores/ledger-input\\.ts$', '^src/stores/$1/'],
  },
});
rule(
  'engine-no-adapters',
  layer('engine'),
  '^src/(http|cli|app\\.ts|stores/(memory|sqlite|redis|postgres)/|providers/(openai|anthropic|shared)/|guards/)',
  'engine sees interfaces; adapters are injected',
);
rule(
  'http-no-internals',
  layer('http'),
  '^src/(guards|providers|stores|secrets|cli|app\\.ts|config)',
  'http sees core and the engine interface only',
);
rule(
  'cli-no-adapters',
  layer('cli'),
  '^src/(stores/|providers/|guards/|http/|secrets/|engine/|pipeline/|audit/)',
  'cli goes through app, config, core and detect (and the fake provider)',
);

const driver = (name, pkg, home) =>
  forbidden.push({
    name,
    severity: 'error',
    comment: `${pkg} is imported only in ${home}`,
    from: { path: '^src/', pathNot: `^src/${home}/` },
    to: { path: `node_modules/${pkg}/` },
  });
driver('driver-better-sqlite3', 'better-sqlite3', 'stores/sqlite');
driver('driver-ioredis', 'ioredis', 'stores/redis');
driver('driver-pg', 'pg', 'stores/postgres');
// Vault has no official SDK: its KV v2 client speaks HTTP through undici too.
driver('driver-undici', 'undici', '(providers/shared|secrets/sources)');
driver('driver-fastify', 'fastify', 'http');
driver('driver-jose', 'jose', 'identity');

forbidden.push({
  name: 'no-circular',
  severity: 'error',
  from: {},
  to: { circular: true },
});

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};

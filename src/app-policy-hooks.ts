/**
 * Loads each app's output policy module (`apps.<id>.output.policyModule`) once at startup. A module
 * that cannot be loaded, or whose default export is not a function, stops startup with a config
 * error: an app that asked for a code policy never runs without it.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from './config/errors.js';
import type { BastionConfig } from './config/schema.js';
import type { OutputPolicyHook } from './guards/code-policy/index.js';

export async function loadPolicyHooks(
  config: BastionConfig,
  baseDir: string = process.cwd(),
): Promise<ReadonlyMap<string, OutputPolicyHook>> {
  const hooks = new Map<string, OutputPolicyHook>();
  for (const [appId, app] of Object.entries(config.apps)) {
    const path = app.output.policyModule;
    if (path === undefined) continue;
    const where = `apps.${appId}.output.policyModule`;
    let loaded: { default?: unknown };
    try {
      loaded = (await import(pathToFileURL(resolve(baseDir, path)).href)) as { default?: unknown };
    } catch (error) {
      const reason = error instanceof Error ? error.name : 'unknown error';
      throw new ConfigError('config', [{ path: where, message: `cannot load the module (${reason})` }]);
    }
    if (typeof loaded.default !== 'function') {
      throw new ConfigError('config', [
        { path: where, message: 'the module must export a function as its default export' },
      ]);
    }
    hooks.set(appId, loaded.default as OutputPolicyHook);
  }
  return hooks;
}

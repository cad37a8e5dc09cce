/** How to start each benchmark target and address its chat completions route. */
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Endpoint } from './load.js';
import { startService } from './processes.js';
import type { Service } from './processes.js';
import { BENCH_PROVIDER_KEY } from './workload.js';

export type TargetName = 'direct' | 'bastion' | 'portkey';

export interface RunningTarget {
  readonly name: TargetName;
  readonly endpoint: Endpoint;
  /** The process whose CPU and RSS are reported (for `direct`: the fake provider itself). */
  readonly pid: number;
  stop(): Promise<void>;
}

export interface TargetDeps {
  /** Folder holding the compiled bench (bench/tsconfig.json outDir). */
  readonly buildDir: string;
  readonly fake: Service;
  readonly fakeUrl: string;
  /** Extra node flags for Bastion (e.g. --cpu-prof). */
  readonly bastionNodeFlags: readonly string[];
  /** Folder where @portkey-ai/gateway is installed (bench/peer/portkey.sh). */
  readonly portkeyDir: string | undefined;
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });

export async function startTarget(name: TargetName, deps: TargetDeps): Promise<RunningTarget> {
  if (name === 'direct') {
    return {
      name,
      pid: deps.fake.pid,
      endpoint: {
        url: `${deps.fakeUrl}/v1/chat/completions`,
        headers: { authorization: `Bearer ${BENCH_PROVIDER_KEY}` },
      },
      stop: async () => undefined,
    };
  }
  if (name === 'bastion') {
    const service = await startService(process.execPath, [
      ...deps.bastionNodeFlags,
      join(deps.buildDir, 'bench/gateway/server.js'),
      deps.fakeUrl,
    ]);
    const [url, key] = service.ready;
    return {
      name,
      pid: service.pid,
      endpoint: { url: `${url}/v1/chat/completions`, headers: { authorization: `Bearer ${key}` } },
      stop: () => service.stop(),
    };
  }
  if (!deps.portkeyDir)
    throw new Error('BENCH_TARGETS has portkey but PORTKEY_DIR is not set (bench/peer/portkey.sh)');
  const port = await freePort();
  const service = await startService(
    process.execPath,
    [
      join(deps.portkeyDir, 'node_modules/@portkey-ai/gateway/build/start-server.js'),
      `--port=${port}`,
      '--headless',
    ],
    { cwd: deps.portkeyDir, readyLine: /Ready for connections()/ },
  );
  return {
    name,
    pid: service.pid,
    endpoint: {
      url: `http://127.0.0.1:${port}/v1/chat/completions`,
      headers: {
        authorization: `Bearer ${BENCH_PROVIDER_KEY}`,
        'x-portkey-provider': 'openai',
        'x-portkey-custom-host': `${deps.fakeUrl}/v1`,
      },
    },
    stop: () => service.stop(),
  };
}

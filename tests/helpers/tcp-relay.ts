/**
 * A TCP relay between Bastion and the fake provider that counts upstream connections, so a test can
 * observe when Bastion closes its upstream request (e.g. after the client went away).
 */
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

export interface TcpRelay {
  /** Origin to configure as the provider base (http://127.0.0.1:PORT). */
  readonly url: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections Bastion (or the target) has closed so far. */
  readonly closed: number;
  /** Resolves true once `closed` reaches `count`, false after `timeoutMs`. */
  waitForClosed(count: number, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export async function startTcpRelay(targetUrl: string): Promise<TcpRelay> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  let accepted = 0;
  let closed = 0;
  const waiters = new Set<() => void>();

  const server = createServer((client) => {
    accepted++;
    const upstream = connect({ host: target.hostname, port: Number(target.port) });
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    let counted = false;
    const finish = (): void => {
      client.destroy();
      upstream.destroy();
      if (counted) return;
      counted = true;
      closed++;
      for (const wake of waiters) wake();
    };
    for (const socket of [client, upstream]) {
      socket.on('close', finish);
      socket.on('error', finish);
      socket.on('close', () => sockets.delete(socket));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    get closed() {
      return closed;
    },
    waitForClosed(count, timeoutMs) {
      if (closed >= count) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          resolve(false);
        }, timeoutMs);
        const check = (): void => {
          if (closed < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(true);
        };
        waiters.add(check);
      });
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A tiny real HTTP upstream on 127.0.0.1:0 that records what it receives. */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** Header names exactly as sent, lower-cased, in order. */
  readonly headerNames: string[];
  readonly body: string;
}

export interface TestServer {
  readonly origin: string;
  readonly requests: ReceivedRequest[];
  /** Number of TCP connections accepted so far. */
  connections(): number;
  /** Resolves when the socket of the n-th request (0-based) closes; rejects after `timeoutMs`. */
  socketClosed(index: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export type Handler = (req: ReceivedRequest, res: ServerResponse, raw: IncomingMessage) => unknown;

export const startServer = async (handler: Handler): Promise<TestServer> => {
  const requests: ReceivedRequest[] = [];
  const requestSockets: Socket[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((raw, res) => {
    const chunks: Buffer[] = [];
    raw.on('data', (chunk: Buffer) => chunks.push(chunk));
    raw.on('end', () => {
      const names: string[] = [];
      for (let i = 0; i < raw.rawHeaders.length; i += 2) names.push((raw.rawHeaders[i] ?? '').toLowerCase());
      const received: ReceivedRequest = {
        method: raw.method ?? '',
        url: raw.url ?? '',
        headers: raw.headers,
        headerNames: names,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(received);
      requestSockets.push(raw.socket);
      void Promise.resolve(handler(received, res, raw)).catch(() => res.destroy());
    });
  });
  server.on('connection', (socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    connections: () => connections,
    socketClosed: async (index, timeoutMs = 2000) => {
      const socket = requestSockets[index];
      if (socket === undefined) throw new Error('no such request');
      if (socket.destroyed) return;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('upstream socket still open')), timeoutMs);
        socket.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

/** Writes an SSE response head. */
export const sseHead = (res: ServerResponse): void => {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
};

export const json = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

/** Collects all events of a stream, returning the error it ended with, if any. */
export const collect = async <T>(events: AsyncIterable<T>): Promise<{ items: T[]; error: unknown }> => {
  const items: T[] = [];
  try {
    for await (const item of events) items.push(item);
    return { items, error: undefined };
  } catch (error) {
    return { items, error };
  }
};

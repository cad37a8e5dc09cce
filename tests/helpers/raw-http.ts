/**
 * Raw HTTP/1.1 over a plain TCP socket, for requests that fetch and node:http refuse to send as
 * written: duplicate security headers, dot segments in the path, oversized header blocks, bodies
 * that are not what their content-type says.
 */
import { connect } from 'node:net';

export interface RawRequest {
  readonly method?: string;
  /** Request target exactly as sent (no normalisation). */
  readonly path: string;
  /** Header lines in order; duplicates are sent as given. `host` and `connection: close` are added when absent. */
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: string | Buffer;
  readonly timeoutMs?: number;
}

export interface RawResponse {
  readonly status: number;
  /** Lower-case header name -> values in arrival order. */
  readonly headers: Readonly<Record<string, string[]>>;
  readonly body: string;
  /** Every byte received, for leak scans. */
  readonly raw: string;
  header(name: string): string | undefined;
  json(): unknown;
}

/** Sends one request on a fresh connection and reads until the server closes it. */
export function rawRequest(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  const headers = [...(request.headers ?? [])];
  const has = (name: string): boolean => headers.some(([key]) => key.toLowerCase() === name);
  if (!has('host')) headers.unshift(['host', `${hostname}:${port}`]);
  if (!has('connection')) headers.push(['connection', 'close']);
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  if (body !== undefined && !has('content-length') && !has('transfer-encoding'))
    headers.push(['content-length', String(body.length)]);
  const head = `${request.method ?? 'POST'} ${request.path} HTTP/1.1\r\n${headers
    .map(([key, value]) => `${key}: ${value}\r\n`)
    .join('')}\r\n`;

  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`raw request to ${request.path} timed out`));
    }, request.timeoutMs ?? 5_000);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // Streams may keep the connection open after the last chunk: stop at the end of the message.
      if (isComplete(Buffer.concat(chunks))) socket.destroy();
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      // A server may reset after answering (e.g. it stops reading an oversized request): keep what arrived.
      if (chunks.length > 0) resolve(parseResponse(Buffer.concat(chunks)));
      else reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (chunks.length === 0) reject(new Error('connection closed without a response'));
      else resolve(parseResponse(Buffer.concat(chunks)));
    });
    socket.write(head);
    if (body !== undefined) socket.write(body);
  });
}

/** True once a full response (content-length body or final chunk) has arrived. */
function isComplete(bytes: Buffer): boolean {
  const split = bytes.indexOf('\r\n\r\n');
  if (split === -1) return false;
  const head = bytes.subarray(0, split).toString('latin1').toLowerCase();
  const length = /\r\ncontent-length:\s*(\d+)/.exec(head)?.[1];
  if (length !== undefined) return bytes.length - split - 4 >= Number(length);
  if (/\r\ntransfer-encoding:\s*chunked/.test(head))
    return bytes.subarray(-5).toString('latin1') === '0\r\n\r\n';
  return false;
}

function parseResponse(bytes: Buffer): RawResponse {
  const raw = bytes.toString('latin1');
  const split = raw.indexOf('\r\n\r\n');
  const headText = split === -1 ? raw : raw.slice(0, split);
  const [statusLine = '', ...lines] = headText.split('\r\n');
  const status = Number(statusLine.split(' ')[1]);
  const headers: Record<string, string[]> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    (headers[name] ??= []).push(line.slice(colon + 1).trim());
  }
  let bodyBytes = split === -1 ? Buffer.alloc(0) : bytes.subarray(Buffer.byteLength(headText, 'latin1') + 4);
  if (headers['transfer-encoding']?.[0]?.toLowerCase() === 'chunked') bodyBytes = dechunk(bodyBytes);
  const body = bodyBytes.toString('utf8');
  return {
    status,
    headers,
    body,
    raw: bytes.toString('utf8'),
    header: (name) => headers[name.toLowerCase()]?.[0],
    json: () => JSON.parse(body) as unknown,
  };
}

function dechunk(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const lineEnd = bytes.indexOf('\r\n', offset);
    if (lineEnd === -1) break;
    const size = Number.parseInt(bytes.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

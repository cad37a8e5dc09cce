import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, flushLogger } from '../../../src/audit/logger.js';

const dir = mkdtempSync(join(tmpdir(), 'bastion-logger-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = 'sk-proj-SECRETVALUE123';
const redact = (line: string): string => line.replaceAll(SECRET, '[REDACTED]');

const capture = () => {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  return { stream, lines: () => chunks.join('').trim().split('\n') };
};

describe('createLogger', () => {
  it('passes every line through redact, whatever field holds the secret', () => {
    const { stream, lines } = capture();
    const logger = createLogger({ level: 'info', destination: stream, redact, base: {} });
    logger.info({ nested: { header: `Bearer ${SECRET}` } }, `message with ${SECRET}`);
    logger.error(new Error(`boom ${SECRET}`));
    const out = lines();
    expect(out).toHaveLength(2);
    for (const line of out) {
      expect(line).not.toContain(SECRET);
      expect(line).toContain('[REDACTED]');
      expect(() => JSON.parse(line)).not.toThrow();
    }
  });

  it('respects the level and the base fields', () => {
    const { stream, lines } = capture();
    const logger = createLogger({ level: 'warn', destination: stream, redact, base: { service: 'bastion' } });
    logger.info('hidden');
    logger.warn('shown');
    const out = lines();
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0] ?? '')).toMatchObject({ service: 'bastion', msg: 'shown', level: 40 });
  });

  it('drops a line rather than writing it unredacted when redact throws', () => {
    const { stream, lines } = capture();
    const logger = createLogger({
      level: 'info',
      destination: stream,
      redact: () => {
        throw new Error('bad redactor');
      },
    });
    logger.info(SECRET);
    expect(lines().join('')).not.toContain(SECRET);
    expect(lines().join('')).toContain('redactor failed');
  });

  it('writes to a file, creating its folder, and flushes', async () => {
    const file = join(dir, 'logs', 'audit.log');
    const logger = createLogger({ level: 'info', destination: { file }, redact, base: {} });
    logger.info({ token: SECRET }, 'to file');
    await flushLogger(logger);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('to file');
    expect(text).not.toContain(SECRET);
  });
});

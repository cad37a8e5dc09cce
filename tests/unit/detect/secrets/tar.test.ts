import { describe, expect, it } from 'vitest';
import { bufferReader, isTarHeader, maybeGunzip, readTar } from '../../../../src/detect/secrets/tar.js';
import { gzip, tarOf } from '../../../fixtures/scan/tar-writer.js';

describe('tar reader', () => {
  it('lists regular files with their data, including pax long names', () => {
    const longName = `a/${'b'.repeat(150)}/c.txt`;
    const tar = tarOf({ 'x.txt': 'hello', [longName]: 'world', 'empty.txt': '' });
    const read = bufferReader(tar);
    const entries = [...readTar(read)];
    expect(entries.map((e) => e.name)).toEqual(['x.txt', longName, 'empty.txt']);
    expect(entries.map((e) => read(e.offset, e.size).toString())).toEqual(['hello', 'world', '']);
  });

  it('recognises tar headers and gunzips within a cap', () => {
    const tar = tarOf({ 'x.txt': 'x'.repeat(10_000) });
    expect(isTarHeader(tar)).toBe(true);
    expect(isTarHeader(Buffer.alloc(512, 65))).toBe(false);
    expect(maybeGunzip(gzip(tar), 1 << 20).equals(tar)).toBe(true);
    expect(() => maybeGunzip(gzip(tar), 1024)).toThrow();
  });

  it('fails on a corrupt header instead of reading garbage', () => {
    const tar = tarOf({ 'x.txt': 'hello' });
    tar[148] = 0x39; // break the checksum and the magic
    tar.write('xxxxx', 257, 'latin1');
    expect(() => [...readTar(bufferReader(tar))]).toThrow(/not a tar header/);
  });
});

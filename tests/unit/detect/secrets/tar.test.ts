import { describe, expect, it } from 'vitest';
import { bufferReader, isTarHeader, maybeGunzip, readTar } from '../../../../src/detect/secrets/tar.js';
import { tarShapedScript } from '../../../fixtures/scan/corpus.js';
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

  it('requires a valid header checksum, with or without the ustar magic', () => {
    const magicOnly = Buffer.from(tarShapedScript('', false), 'latin1');
    expect(magicOnly.toString('latin1', 257, 262)).toBe('ustar');
    expect(isTarHeader(magicOnly)).toBe(false);
    expect(isTarHeader(Buffer.from(tarShapedScript('', true), 'latin1'))).toBe(true);
    // A real header with its checksum broken is refused even though the magic is intact.
    const tar = tarOf({ 'x.txt': 'hello' });
    tar[0] = 0x79; // 'x' -> 'y'
    expect(isTarHeader(tar)).toBe(false);
    // v7 header (no magic) with a valid checksum, and one summed with signed bytes (old tars).
    const v7 = tarOf({ 'caf\u00e9.txt': 'hello' }).subarray(0, 512);
    v7.fill(0, 257, 265);
    const rewrite = (signed: boolean): Buffer => {
      v7.fill(32, 148, 156);
      let sum = 0;
      for (const byte of v7) sum += signed && byte > 127 ? byte - 256 : byte;
      v7.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
      return v7;
    };
    expect(isTarHeader(rewrite(false))).toBe(true);
    expect(isTarHeader(rewrite(true))).toBe(true);
  });

  it('fails on a corrupt header instead of reading garbage', () => {
    const tar = tarOf({ 'x.txt': 'hello' });
    tar[148] = 0x39; // break the checksum and the magic
    tar.write('xxxxx', 257, 'latin1');
    expect(() => [...readTar(bufferReader(tar))]).toThrow(/not a tar header/);
    // A partial block after the last member is not a tar ending; without the end blocks it is fine.
    const members = tarOf({ 'x.txt': 'hello' }).subarray(0, 1024);
    expect([...readTar(bufferReader(members))].map((e) => e.name)).toEqual(['x.txt']);
    const cut = Buffer.concat([members, Buffer.from('tail')]);
    expect(() => [...readTar(bufferReader(cut))]).toThrow(/truncated tar at offset 1024/);
  });
});

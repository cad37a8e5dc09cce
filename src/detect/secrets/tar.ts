import { gunzipSync } from 'node:zlib';

/**
 * A small ustar reader (POSIX.1-1988 headers in 512-byte blocks, plus pax `x` and GNU `L` long names),
 * enough for `docker save` output and the layer tarballs inside it. Only regular files are yielded.
 */

export interface TarEntry {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

/** Reads `length` bytes at `offset`; returns fewer at end of input. */
export type ReadAt = (offset: number, length: number) => Buffer;

const BLOCK = 512;

export const isGzip = (head: Buffer): boolean => head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;

/**
 * True when the first block is a tar header: its checksum must be valid, with or without the ustar
 * magic (old v7 tars have none). The magic alone is not enough: any text file can carry `ustar` at
 * byte 257 (tar-stream's own headers.js does), and treating it as an archive would skip its text.
 */
export function isTarHeader(block: Buffer): boolean {
  if (block.length < BLOCK || block[0] === 0) return false;
  const stored = parseOctal(block, 148, 8);
  if (stored === undefined) return false;
  const { unsigned, signed } = checksums(block);
  return stored === unsigned || stored === signed;
}

/** Sum of the header bytes with the checksum field read as spaces; some old tars summed signed bytes. */
function checksums(block: Buffer): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 32 : (block[i] ?? 0);
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return { unsigned, signed };
}

function parseOctal(block: Buffer, start: number, length: number): number | undefined {
  const first = block[start] ?? 0;
  if (first & 0x80) {
    // GNU base-256 for sizes >= 8 GiB.
    let value = 0;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + (block[i] ?? 0);
    return value;
  }
  const text = block
    .toString('latin1', start, start + length)
    .replace(/[\0 ]+$/, '')
    .trim();
  if (text === '') return 0;
  return /^[0-7]{1,12}$/.test(text) ? parseInt(text, 8) : undefined;
}

const cString = (block: Buffer, start: number, length: number): string => {
  const end = block.indexOf(0, start);
  return block.toString('utf8', start, end < 0 || end > start + length ? start + length : end);
};

function paxPath(data: Buffer): string | undefined {
  // Records: "<len> key=value\n".
  let at = 0;
  let path: string | undefined;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const length = Number(data.toString('latin1', at, space));
    if (!Number.isInteger(length) || length <= 0) break;
    const record = data.toString('utf8', space + 1, at + length - 1);
    if (record.startsWith('path=')) path = record.slice(5);
    at += length;
  }
  return path;
}

/** Iterates the regular files of a tar through `readAt`, so a large image never has to be in memory whole. */
export function* readTar(readAt: ReadAt): Generator<TarEntry> {
  let offset = 0;
  let longName: string | undefined;
  for (;;) {
    const header = readAt(offset, BLOCK);
    // End of input on a block boundary, or the zero end-of-archive blocks. A tar is whole blocks, so a
    // partial one means this is not a tar (or a cut one); the caller scans it as text instead.
    if (header.length === 0 || header.every((byte) => byte === 0)) return;
    if (header.length < BLOCK) throw new Error(`truncated tar at offset ${offset}`);
    if (!isTarHeader(header)) throw new Error(`not a tar header at offset ${offset}`);
    const size = parseOctal(header, 124, 12) ?? 0;
    const type = String.fromCharCode(header[156] ?? 0);
    const dataOffset = offset + BLOCK;
    offset = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x' || type === 'L') {
      const data = readAt(dataOffset, size);
      longName = type === 'L' ? cString(data, 0, data.length) : paxPath(data);
      continue;
    }
    if (type === 'g') continue;
    const prefix = cString(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${cString(header, 0, 100)}` : cString(header, 0, 100));
    longName = undefined;
    if (type === '0' || type === '\0' || type === '7') yield { name, offset: dataOffset, size };
  }
}

export const bufferReader =
  (buffer: Buffer): ReadAt =>
  (offset, length) =>
    buffer.subarray(offset, offset + length);

/** Decompresses when gzip, with an output cap so a zip bomb cannot exhaust memory. */
export function maybeGunzip(data: Buffer, maxOutputLength: number): Buffer {
  return isGzip(data) ? gunzipSync(data, { maxOutputLength }) : data;
}

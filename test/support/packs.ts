/** Packs written byte by byte for tests of what a pack may cost (engine/git/pack-scan.ts). */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

export type PackObject =
  | { type: 'commit' | 'tree' | 'blob' | 'tag'; data: Buffer; statedSize?: number }
  /** A delta against the object `base` of the pack (its index), or `distance` bytes back if given. */
  | { type: 'ofs-delta'; base: number; distance?: number; data: Buffer; statedSize?: number }
  /** A delta against the object whose git id is `baseId` (40 hex), in the pack or not. */
  | { type: 'ref-delta'; baseId: string; data: Buffer; statedSize?: number };

const TYPES = { commit: 1, tree: 2, blob: 3, tag: 4, 'ofs-delta': 6, 'ref-delta': 7 } as const;

/** An object's git id: SHA-1 of `type size\0` and its data. */
export function gitId(type: 'commit' | 'tree' | 'blob' | 'tag', data: Buffer): string {
  return createHash('sha1').update(`${type} ${data.length}\0`).update(data).digest('hex');
}

function objectHeader(type: number, size: number): Buffer {
  const bytes = [(type << 4) | (size & 0x0f)];
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    bytes[bytes.length - 1]! |= 0x80;
    bytes.push(rest & 0x7f);
    rest = Math.floor(rest / 128);
  }
  return Buffer.from(bytes);
}

/** git's offset encoding of a delta's distance to its base. */
export function ofsDistance(distance: number): Buffer {
  const bytes = [distance & 0x7f];
  let n = distance >>> 7;
  while (n > 0) {
    n--;
    bytes.unshift(0x80 | (n & 0x7f));
    n >>>= 7;
  }
  return Buffer.from(bytes);
}

/** A delta's size varint. */
export function deltaSize(n: number): Buffer {
  const bytes: number[] = [];
  do {
    bytes.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
    n = Math.floor(n / 128);
  } while (n > 0);
  return Buffer.from(bytes);
}

/** A version 2 pack of `objects` (deflated with zlib, stated sizes as given or true), with its SHA-1 trailer. */
export function makePack(objects: PackObject[]): Buffer {
  const parts: Buffer[] = [Buffer.from('PACK'), Buffer.from([0, 0, 0, 2]), Buffer.alloc(4)];
  parts[2]!.writeUInt32BE(objects.length);
  const offsets: number[] = [];
  // One data Buffer given for many objects is deflated once.
  const deflated = new Map<Buffer, Buffer>();
  let at = 12;
  for (const o of objects) {
    offsets.push(at);
    const header = [objectHeader(TYPES[o.type], o.statedSize ?? o.data.length)];
    if (o.type === 'ofs-delta') header.push(ofsDistance(o.distance ?? at - offsets[o.base]!));
    if (o.type === 'ref-delta') header.push(Buffer.from(o.baseId, 'hex'));
    const data = deflated.get(o.data) ?? deflateSync(o.data, { level: 9 });
    deflated.set(o.data, data);
    parts.push(...header, data);
    at += header.reduce((n, b) => n + b.length, 0) + data.length;
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}

const pkt = (payload: Buffer) => Buffer.concat([Buffer.from((payload.length + 4).toString(16).padStart(4, '0')), payload]);

/** An upload-pack answer: NAK, the pack on side-band channel 1 in lines of `line` bytes, a progress line, flush. */
export function uploadPackAnswer(pack: Buffer, line = 65515): Buffer {
  const parts = [pkt(Buffer.from('NAK\n')), pkt(Buffer.from('\x02Counting objects: done\n'))];
  for (let i = 0; i < pack.length; i += line - 1) parts.push(pkt(Buffer.concat([Buffer.from([1]), pack.subarray(i, i + line - 1)])));
  parts.push(Buffer.from('0000'));
  return Buffer.concat(parts);
}

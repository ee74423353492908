/**
 * How far a fetched pack inflates, checked as it streams in. ria.yaml's git.maxFetchSize bounds
 * the bytes of a pack, but isomorphic-git inflates every object of it whole when it indexes it
 * (GitPackIndex.fromPack: pako, in memory), and zlib inflates about 1,000 times: an 8 MiB pack of
 * one repeated byte is 8 GiB of objects. A delta is worse: a few bytes of instructions copy up to
 * 64 KiB of its base each.
 *
 * The upload-pack answer is read here before isomorphic-git gets each chunk of it: its pkt-lines
 * (the pack is side-band channel 1, which is how isomorphic-git reads every answer), then the
 * pack, object by object. Each object's header states its size: over `maxObjectBytes` it is
 * refused before a byte of it is inflated. Its data is then inflated with the very inflater
 * isomorphic-git uses (pako, so the object ends where isomorphic-git will find it ending), but
 * counted and not kept: past its stated size, or the fetch's total past `maxTotalBytes`, the
 * answer is refused at once. A delta's instructions are read as they inflate: what applying it
 * builds (its target, and a view per instruction that isomorphic-git keeps until it joins them)
 * is held to the same bounds. A delta against an offset of the pack names an object's start (or
 * isomorphic-git would inflate whatever the offset points at, unchecked). The pack's object count
 * is charged too (isomorphic-git keeps an index entry per object).
 *
 * A delta against an object id (a ref-delta) must name an object of the pack read before it that
 * is no delta itself: each such object is hashed as it inflates (SHA-1 of `type size\0` and its
 * data, its git id). isomorphic-git reads a ref-delta's base from outside the pack (the older
 * packs of the cache) once per delta, inflating it whole every time and keeping none of it
 * (GitPackIndex.fromPack's second pass, `getExternalRefDelta`): 28,000 ref-deltas of a byte each
 * against one cached 8 MiB blob, a pack of about 1 MiB, inflated some 220 GiB (hours of CPU),
 * which this scan charged ~16 MiB (review9 F5). Ria never asks for a thin pack, and git (as JGit)
 * writes a base before its delta and uses offset deltas inside a pack when the client can read
 * them (isomorphic-git says `ofs-delta`), so a pack from an honest server has no ref-delta of
 * another kind. Every delta must also be one isomorphic-git applies (DeltaCost): it retries a
 * delta it cannot apply in its second pass, inflating the base again for that delta alone. With
 * both rules, and objects within isomorphic-git's 32 MiB cache of resolved objects (the defaults:
 * 8 MiB an object, 16 MiB in all), it resolves every delta of the pack once, from objects it has
 * just inflated, and every pack of the cache stands alone: no read follows a delta into another
 * pack. With limits raised past that cache, the scan mirrors it (ResolveCache) and charges each
 * delta whose base it no longer holds what isomorphic-git's second pass reads for it.
 *
 * Every refusal is thrown from `push`, so the chunk that crosses a bound never reaches
 * isomorphic-git, which so never indexes the pack.
 */
import { createHash, type Hash } from 'node:crypto';
import pako, { type Inflate } from 'pako';

/** ria.yaml's git.maxObjectSize and git.maxInflatedSize. */
export interface InflationLimit {
  maxObjectBytes: number;
  maxTotalBytes: number;
}

/** What isomorphic-git holds per object while it indexes a pack, besides its bytes (offsets, oid, CRC): charged against the total. */
export const OBJECT_OVERHEAD_BYTES = 512;
/** What applying a delta holds per instruction until it joins them (a Buffer view, ~80 bytes in V8): charged with its target. */
export const DELTA_OP_OVERHEAD_BYTES = 64;

/** The pack would inflate past a bound: not read further. */
export class InflationTooLargeError extends Error {
  override readonly name = 'InflationTooLargeError';
  constructor(readonly what: 'object' | 'inflated', readonly maxBytes: number, readonly detail: string) {
    super(`${detail} (over ${maxBytes} bytes)`);
  }
}

/** The answer is not a pack isomorphic-git would read as this check did: refused, not indexed. */
export class PackFormatError extends Error {
  override readonly name = 'PackFormatError';
}

const TYPE_NAMES = ['an object of type 0', 'a commit', 'a tree', 'a blob', 'a tag', 'an object of type 5', 'an ofs-delta', 'a ref-delta'] as const;
/** git's names of the types whose objects a ref-delta may name (their id hashes the name). */
const GIT_TYPES: Record<number, string> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };

type State =
  | { at: 'pack-header' }
  | { at: 'object-header' }
  | { at: 'object-data'; inflater: Inflate; stated: number; inflated: number; delta?: DeltaCost; hash?: Hash;
      /** A delta's base (its offset), and whether isomorphic-git's first pass finds it resolved in its cache. */
      base?: { at: number; cached: boolean } }
  | { at: 'done' };

/** Reads an upload-pack answer as it streams (pkt-lines, side-band channel 1 the pack). */
export class UploadPackScan {
  private pktHeader = '';
  /** Bytes left of the current pkt-line's payload; -1 before its first byte (the band). */
  private lineLeft = 0;
  private lineBand = -1;
  private stopped = false;
  private readonly pack: PackScan;

  constructor(limit: InflationLimit) {
    this.pack = new PackScan(limit);
  }

  /** The total charged so far (tests, logs). */
  get total(): number {
    return this.pack.total;
  }

  push(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length && !this.stopped) {
      if (this.lineLeft === 0) {
        const need = 4 - this.pktHeader.length;
        this.pktHeader += Buffer.from(chunk.subarray(i, i + need)).toString('latin1');
        i += Math.min(need, chunk.length - i);
        if (this.pktHeader.length < 4) return;
        const hex = this.pktHeader;
        this.pktHeader = '';
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new PackFormatError(`the answer is not pkt-lines (${JSON.stringify(hex)})`);
        const length = Number.parseInt(hex, 16);
        if (length === 0 || length === 1) continue; // flush, delim
        if (length < 4) throw new PackFormatError(`a pkt-line of length ${length}`);
        this.lineLeft = length - 4;
        this.lineBand = -1;
        continue;
      }
      if (this.lineBand === -1) {
        this.lineBand = chunk[i]!;
        i++;
        this.lineLeft--;
        // Channel 3 is the server's fatal error: isomorphic-git reads nothing after it.
        if (this.lineBand === 3) { this.stopped = true; return; }
        continue;
      }
      const n = Math.min(this.lineLeft, chunk.length - i);
      if (this.lineBand === 1) this.pack.push(chunk.subarray(i, i + n));
      i += n;
      this.lineLeft -= n;
    }
  }
}

/** Reads a pack as it streams, object by object, charging what isomorphic-git will inflate and build. */
export class PackScan {
  private state: State = { at: 'pack-header' };
  private header = Buffer.alloc(0);
  private objects = 0;
  private offset = 0;
  /** Where the object being read starts, and its type. */
  private start = 0;
  private type = 0;
  /** The objects read, by offset: the size each resolves to (a delta's target). An offset delta's base must be one of them. */
  private readonly sizes = new Map<number, number>();
  /** The offsets of the objects read that are no deltas, by id: a ref-delta's base must be one of them. */
  private readonly ids = new Map<string, number>();
  /** isomorphic-git's cache of resolved objects in its first pass over the pack, mirrored. */
  private readonly resolved = new ResolveCache();
  private refDeltas = false;
  /** For its second pass: each object's base (deltas), what reading it costs (its data inflated, a delta's target built), the objects left to it. */
  private readonly bases = new Map<number, number>();
  private readonly reads = new Map<number, number>();
  private readonly secondPass: number[] = [];
  total = 0;

  constructor(private readonly limit: InflationLimit) {}

  push(bytes: Uint8Array): void {
    let i = 0;
    while (i < bytes.length) {
      const s = this.state;
      if (s.at === 'done') return;
      if (s.at === 'object-data') {
        i += this.inflate(s, bytes.subarray(i));
        continue;
      }
      // Headers are short: gathered a byte at a time until complete.
      this.header = Buffer.concat([this.header, bytes.subarray(i, i + 1)]);
      i++;
      this.offset++;
      if (s.at === 'pack-header') this.packHeader();
      else this.objectHeader();
    }
  }

  private packHeader(): void {
    if (this.header.length < 12) return;
    if (this.header.subarray(0, 4).toString('latin1') !== 'PACK' || this.header.readUInt32BE(4) !== 2) throw new PackFormatError('not a pack of version 2');
    this.objects = this.header.readUInt32BE(8);
    this.header = Buffer.alloc(0);
    this.charge(this.objects * OBJECT_OVERHEAD_BYTES, () => `the pack's ${this.objects} objects`);
    this.state = this.objects > 0 ? { at: 'object-header' } : { at: 'done' };
  }

  private objectHeader(): void {
    const h = this.header;
    if (h.length === 1) this.start = this.offset - 1;
    // Type and size: 3 bits and 4, then 7 bits a byte while the high bit is set.
    let sizeEnd = 0;
    while (sizeEnd < h.length && h[sizeEnd]! & 0x80) sizeEnd++;
    if (sizeEnd >= h.length) {
      if (h.length > 10) throw new PackFormatError(`object at ${this.start}: a size of more than 10 bytes`);
      return;
    }
    const type = (h[0]! >> 4) & 7;
    let size = h[0]! & 0x0f;
    for (let k = 1; k <= sizeEnd; k++) size += (h[k]! & 0x7f) * 2 ** (4 + 7 * (k - 1));
    let end = sizeEnd + 1;
    let baseSize: number | undefined;
    let baseAt = 0;
    if (type === 6) {
      // The base's distance, as isomorphic-git decodes it (decodeVarInt, with its 32-bit shifts).
      let k = end;
      while (k < h.length && h[k]! & 0x80) k++;
      if (k >= h.length) {
        if (h.length - end > 10) throw new PackFormatError(`object at ${this.start}: a delta offset of more than 10 bytes`);
        return;
      }
      const bytes = [...h.subarray(end, k + 1)].map((b) => b & 0x7f);
      const distance = bytes.reduce((a, b) => ((a + 1) << 7) | b, -1);
      const base = this.start - distance;
      baseAt = base;
      baseSize = distance > 0 ? this.sizes.get(base) : undefined;
      if (baseSize === undefined) throw new PackFormatError(`object at ${this.start}: a delta against offset ${base}, which is no object of the pack`);
      end = k + 1;
    } else if (type === 7) {
      if (h.length < end + 20) return;
      const base = h.subarray(end, end + 20).toString('hex');
      const at = this.ids.get(base);
      baseSize = at === undefined ? undefined : this.sizes.get(at);
      if (baseSize === undefined) {
        throw new PackFormatError(`object at ${this.start}: a delta against ${base}, which is no whole object (no delta) earlier in the pack (a thin pack, which Ria does not ask for: isomorphic-git would inflate that base again for every such delta)`);
      }
      this.refDeltas = true;
      this.refusedIfLossy();
      baseAt = at!;
      end += 20;
    }
    if (h.length !== end) throw new PackFormatError(`object at ${this.start}: a malformed header`);
    this.header = Buffer.alloc(0);
    this.type = type;
    if (size > this.limit.maxObjectBytes) {
      throw new InflationTooLargeError('object', this.limit.maxObjectBytes, `${TYPE_NAMES[type]} of ${size} bytes at offset ${this.start} of the pack`);
    }
    const gitType = GIT_TYPES[type];
    const state: Extract<State, { at: 'object-data' }> = { at: 'object-data', inflater: new pako.Inflate(), stated: size, inflated: 0,
      ...(baseSize !== undefined ? { delta: new DeltaCost(this.start, baseSize), base: { at: baseAt, cached: this.resolved.get(baseAt) } } : {}),
      ...(gitType ? { hash: createHash('sha1').update(`${gitType} ${size}\0`) } : {}) };
    state.inflater.onData = (chunk: Uint8Array) => this.inflated(state, chunk);
    this.state = state;
  }

  /** Pushes `bytes` to the object's inflater; returns how many it took (fewer when the object ends in them). */
  private inflate(s: Extract<State, { at: 'object-data' }>, bytes: Uint8Array): number {
    s.inflater.push(bytes, false);
    if (s.inflater.err) throw new PackFormatError(`object at ${this.start}: ${s.inflater.msg || `inflate error ${s.inflater.err}`}`);
    if (!s.inflater.ended) {
      this.offset += bytes.length;
      return bytes.length;
    }
    const used = bytes.length - s.inflater.strm.avail_in;
    this.offset += used;
    if (s.inflated !== s.stated) throw new PackFormatError(`object at ${this.start}: ${s.inflated} bytes inflated, ${s.stated} stated`);
    s.delta?.end();
    const size = s.delta ? s.delta.target : s.stated;
    this.sizes.set(this.start, size);
    if (s.hash) this.ids.set(s.hash.digest('hex'), this.start);
    // Resolved at once from the cache (a whole object, a delta whose base it holds), or left to
    // isomorphic-git's second pass, which resolves the object's chain again for it alone.
    this.reads.set(this.start, s.base ? s.stated + size : s.stated);
    if (s.base) this.bases.set(this.start, s.base.at);
    if (!s.base || s.base.cached) {
      if (s.hash || s.base) this.resolved.set(this.start, size);
      this.refusedIfLossy();
    } else {
      this.secondPass.push(this.start);
    }
    this.objects--;
    this.state = this.objects > 0 ? { at: 'object-header' } : { at: 'done' };
    if (this.objects === 0) this.chargeSecondPass();
    return used;
  }

  /** Each piece the inflater makes: counted against the stated size and the total, never kept. */
  private inflated(s: Extract<State, { at: 'object-data' }>, chunk: Uint8Array): void {
    s.inflated += chunk.length;
    if (s.inflated > s.stated) throw new PackFormatError(`object at ${this.start}: inflates past the ${s.stated} bytes its header states`);
    this.charge(chunk.length, () => `inflating the objects of the pack, at offset ${this.start}`);
    s.hash?.update(chunk);
    if (!s.delta) return;
    const before = s.delta.cost;
    s.delta.read(chunk);
    if (s.delta.cost > this.limit.maxObjectBytes) {
      throw new InflationTooLargeError('object', this.limit.maxObjectBytes, `${TYPE_NAMES[this.type]} at offset ${this.start} of the pack that builds ${s.delta.cost} bytes or more`);
    }
    this.charge(s.delta.cost - before, () => `applying the deltas of the pack, at offset ${this.start}`);
  }

  /**
   * isomorphic-git's second pass, after the pack is read: each object left to it is read again
   * down its delta chain (readSlice), every link inflated, until a link it kept. It keeps the
   * links of a chain only when it read more than three of them (`readDepth > 3`), so deltas
   * against one base it lost (each a chain of two) inflate that base again every one.
   */
  private chargeSecondPass(): void {
    const kept = new Set<number>();
    for (const at of this.secondPass) {
      const links: number[] = [];
      for (let link: number | undefined = at; link !== undefined && !kept.has(link); link = this.bases.get(link)) links.push(link);
      if (links.length > 3) for (const link of links) kept.add(link);
      this.charge(links.reduce((n, link) => n + this.reads.get(link)!, 0),
        () => `resolving again the delta at offset ${at}, whose base isomorphic-git's cache of resolved objects (32 MiB, 8 MiB an object) no longer held`);
    }
  }

  /**
   * A ref-delta is resolved against the last object of its id the first pass resolved, maybe a
   * delta whose id this scan cannot know: the mirror holds only while the cache loses nothing.
   */
  private refusedIfLossy(): void {
    if (this.refDeltas && this.resolved.lossy) {
      throw new PackFormatError(`object at ${this.start}: a pack with deltas against object ids whose objects overflow isomorphic-git's cache of resolved objects (32 MiB, 8 MiB an object; git.maxObjectSize or git.maxInflatedSize raised): what it costs to index cannot be told`);
    }
  }

  private charge(bytes: number, what: () => string): void {
    this.total += bytes;
    if (this.total > this.limit.maxTotalBytes) throw new InflationTooLargeError('inflated', this.limit.maxTotalBytes, `${what()}: ${this.total} bytes`);
  }
}

/** isomorphic-git's RESOLVE_CACHE_BYTES: what GitPackIndex.fromPack keeps of the objects it resolved, to resolve deltas against. */
export const RESOLVE_CACHE_BYTES = 32 * 2 ** 20;

/**
 * The sizes of the objects in isomorphic-git's ObjectCache while it reads a pack (its first pass),
 * by offset: the least recently used go past RESOLVE_CACHE_BYTES, and an object over a quarter
 * of it never goes in. A delta whose base is not there is resolved in the second pass, its base
 * chain inflated again for it alone (with raised limits: a 9 MiB blob and 20 one-byte deltas
 * against it took 0.9 s to index, against 8 MiB 0.2 s). With the default limits (8 MiB an object,
 * 16 MiB in all) it never loses an object.
 */
class ResolveCache {
  private readonly sizes = new Map<number, number>();
  private bytes = 0;
  /** An object left it, or never went in. */
  lossy = false;

  /** Whether it holds the object at `at`; a hit makes it the most recently used, as isomorphic-git's get does. */
  get(at: number): boolean {
    const size = this.sizes.get(at);
    if (size === undefined) return false;
    this.sizes.delete(at);
    this.sizes.set(at, size);
    return true;
  }

  set(at: number, size: number): void {
    if (size > RESOLVE_CACHE_BYTES / 4) { this.lossy = true; return; }
    this.sizes.set(at, size);
    this.bytes += size;
    for (const [old, oldSize] of this.sizes) {
      if (this.bytes <= RESOLVE_CACHE_BYTES) break;
      this.sizes.delete(old);
      this.bytes -= oldSize;
      this.lossy = true;
    }
  }
}

/**
 * A delta's instructions read as they inflate (git's format, as isomorphic-git's applyDelta reads
 * it): the base's size and the target's, then copies (up to 64 KiB of the base each) and inserts
 * (up to 127 literal bytes). `cost` is what applying it builds: the larger of its target and what
 * its instructions make, plus DELTA_OP_OVERHEAD_BYTES an instruction.
 *
 * It must also be a delta isomorphic-git applies: the base size it states is its base's, its
 * copies lie within the base, and its instructions (one at least, none cut short) make exactly
 * its target. isomorphic-git retries a delta it cannot apply in its second pass, which inflates
 * the delta's base again for that delta alone: 100 deltas stating a wrong base size against a
 * 1 MiB blob took 1.5 s to index instead of 0.2 s (load 15), and 14,000 fit in the defaults
 * against an 8 MiB blob (review9 F5's cost, without the cache).
 */
export class DeltaCost {
  private sizes: number[] = [];
  private shift = 0;
  private value = 0;
  /** The size it builds, as its header states (what the object resolves to). */
  target = 0;
  private made = 0;
  private ops = 0;
  /** Bytes of the current copy's offset and size still to read, or of an insert's literal to skip. */
  private copyLeft = 0;
  private copyFlags = 0;
  private copySize = 0;
  private copyOffset = 0;
  private copyShift = 0;
  private literalLeft = 0;

  /** `at`: the delta's offset in the pack (for messages); `baseSize`: the size its base resolves to. */
  constructor(private readonly at: number, private readonly baseSize: number) {}

  get cost(): number {
    return Math.max(this.target, this.made) + this.ops * DELTA_OP_OVERHEAD_BYTES;
  }

  read(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (this.sizes.length < 2) {
        this.value += (b & 0x7f) * 2 ** this.shift;
        this.shift += 7;
        if (this.shift > 70) throw new PackFormatError(`object at ${this.at}: a delta size of more than 10 bytes`);
        if (b & 0x80) continue;
        this.sizes.push(this.value);
        this.value = 0;
        this.shift = 0;
        if (this.sizes.length === 1 && this.sizes[0] !== this.baseSize) {
          throw new PackFormatError(`object at ${this.at}: a delta stating a base of ${this.sizes[0]} bytes, against a base of ${this.baseSize}`);
        }
        if (this.sizes.length === 2) this.target = this.sizes[1]!;
        continue;
      }
      if (this.literalLeft > 0) {
        const n = Math.min(this.literalLeft, chunk.length - i);
        this.literalLeft -= n;
        i += n - 1;
        continue;
      }
      if (this.copyLeft > 0) {
        // Offset bytes (flags 0-3) come first, then size bytes (flags 4-6), each only if its flag is set.
        this.copyLeft--;
        while (!(this.copyFlags & 1)) { this.copyFlags >>= 1; this.copyShift++; }
        if (this.copyShift >= 4) this.copySize += b * 2 ** (8 * (this.copyShift - 4));
        else this.copyOffset += b * 2 ** (8 * this.copyShift);
        this.copyFlags >>= 1;
        this.copyShift++;
        if (this.copyLeft === 0) this.copied();
        continue;
      }
      this.ops++;
      if (b & 0x80) {
        this.copyFlags = b & 0x7f;
        this.copyLeft = popcount(this.copyFlags);
        this.copySize = 0;
        this.copyOffset = 0;
        this.copyShift = 0;
        if (this.copyLeft === 0) this.copied();
      } else {
        this.made += b;
        this.literalLeft = b;
      }
    }
  }

  /** A copy's offset and size are read: it must lie within the base (isomorphic-git would copy less). */
  private copied(): void {
    const size = this.copySize === 0 ? 0x10000 : this.copySize;
    if (this.copyOffset + size > this.baseSize) {
      throw new PackFormatError(`object at ${this.at}: a delta copying bytes ${this.copyOffset} to ${this.copyOffset + size} of a base of ${this.baseSize}`);
    }
    this.made += size;
  }

  /** The delta ended: its header whole, its instructions too, and they make its target. */
  end(): void {
    if (this.sizes.length < 2) throw new PackFormatError(`object at ${this.at}: a delta without its sizes`);
    if (this.ops === 0 || this.copyLeft > 0 || this.literalLeft > 0 || this.made !== this.target) {
      throw new PackFormatError(`object at ${this.at}: a delta that does not build its target (${this.made} bytes made of ${this.target} stated${this.ops === 0 ? ', no instruction' : ''}${this.copyLeft > 0 || this.literalLeft > 0 ? ', its last instruction cut short' : ''})`);
    }
  }
}

function popcount(x: number): number {
  let n = 0;
  for (; x; x >>= 1) n += x & 1;
  return n;
}

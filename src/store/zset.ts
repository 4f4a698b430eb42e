// The Redis sorted-set type: a listpack-encoded zset is a PackedSortedSet
// (one string, ds/packed-zset.ts), a skiplist-encoded one a SortedSet (member
// Map + counted B+tree, ds/skiplist.ts). Clients see the encoding through
// OBJECT ENCODING and ZSCAN (a listpack-encoded zset is scanned in one call,
// in order).
//
// Redis's rules (t_zset.c), reproduced here:
// - a zset starts as a listpack (unless zset-max-listpack-entries is 0 or the
//   first member is longer than zset-max-listpack-value);
// - inserting a new member converts it to a skiplist when the size would
//   exceed zset-max-listpack-entries or the member is longer than
//   zset-max-listpack-value;
// - removals never convert back; only ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE
//   (zsetConvertToListpackIfNeeded) and loading do.
// - a listpack stores scores as text that reads back -0 as 0, so a
//   listpack-encoded zset never holds -0 (a skiplist does).

import type { RObject } from './types.js';
import { dropSample } from './memory.js';
import { SortedSet } from './ds/skiplist.js';
import { PackedSortedSet } from './ds/packed-zset.js';

/** zset-max-listpack-entries / zset-max-listpack-value. */
export interface ZLimits {
  entries: number;
  value: number;
}

/** What both representations answer (ds/skiplist.ts and ds/packed-zset.ts). */
export type ZCore = SortedSet | PackedSortedSet;

/**
 * Bytes past which a listpack-encoded zset leaves its packed string for a
 * SortedSet (only with raised zset-max-listpack-* limits): rebuilding the
 * string on every write, and decoding it for every range, would then cost
 * more than the memory it saves.
 */
const PACK_MAX_BYTES = 20_000;

export class ZSetValue implements RObject {
  declare readonly type: 'zset';
  /** Memory accounting (store/memory.ts): bytes last accounted. */
  memBytes = 0;
  /**
   * A PackedSortedSet while listpack-encoded (up to PACK_MAX_BYTES), else a
   * SortedSet (whose listpackEncoded flag says whether Redis would still call
   * it a listpack).
   */
  zs: ZCore;

  constructor(listpack = true, zs?: ZCore) {
    this.zs = zs ?? (listpack ? new PackedSortedSet() : new SortedSet());
    this.listpack = listpack;
  }

  /** True while Redis would keep this zset listpack-encoded. */
  get listpack(): boolean {
    const zs = this.zs;
    return zs instanceof PackedSortedSet || zs.listpackEncoded;
  }

  /** zsetConvert: the representation that goes with the encoding. */
  set listpack(lp: boolean) {
    const zs = this.zs;
    if (zs instanceof PackedSortedSet) {
      if (lp) return;
      dropSample(this);
      this.zs = zs.toSortedSet();
      return;
    }
    zs.listpackEncoded = lp;
    if (!lp || zs.size * 24 > PACK_MAX_BYTES) return;
    dropSample(this);
    const p = PackedSortedSet.fromSorted(zs);
    if (p.s.length <= PACK_MAX_BYTES) this.zs = p;
  }

  /** An empty zset created the way ZADD/ZRANGESTORE create one (createZsetListpackObject unless disabled). */
  static create(lim: ZLimits, firstMember?: string): ZSetValue {
    const lp = lim.entries > 0 && (firstMember === undefined || firstMember.length <= lim.value);
    return new ZSetValue(lp);
  }

  encoding(): string {
    return this.listpack ? 'listpack' : 'skiplist';
  }

  get size(): number {
    return this.zs.size;
  }

  /** zsetAdd's insert/update with Redis's encoding conversion. True when the member is new. */
  add(member: string, score: number, lim: ZLimits): boolean {
    if (this.zs instanceof PackedSortedSet || this.zs.listpackEncoded) {
      if ((this.zs.size + 1 > lim.entries || member.length > lim.value) && !this.zs.has(member)) this.listpack = false;
      else if (score === 0) score = 0; // -0 -> 0
    }
    const zs = this.zs;
    const added = zs.add(member, score);
    if (zs instanceof PackedSortedSet && zs.s.length > PACK_MAX_BYTES) {
      dropSample(this);
      const big = zs.toSortedSet();
      big.listpackEncoded = true;
      this.zs = big;
    }
    return added;
  }

  remove(member: string): boolean {
    return this.zs.remove(member);
  }

  /** zsetConvertToListpackIfNeeded: back to listpack when small enough. */
  convertToListpackIfNeeded(maxelelen: number, lim: ZLimits): void {
    if (this.listpack) return;
    if (this.zs.size <= lim.entries && maxelelen <= lim.value) {
      // a listpack stores scores as text that reads -0 back as 0
      const zs = this.zs as SortedSet;
      let negZero: string[] | null = null;
      for (const [m, s] of zs) if (Object.is(s, -0)) (negZero ??= []).push(m);
      if (negZero !== null) {
        for (const m of negZero) {
          zs.remove(m);
          zs.add(m, 0);
        }
      }
      this.listpack = true;
    }
  }

  /** Longest member in bytes. */
  maxMemberLength(): number {
    let m = 0;
    for (const [k] of this.zs) if (k.length > m) m = k.length;
    return m;
  }

  /** Deep copy (COPY, RESTORE...): same encoding, same elements. */
  clone(): ZSetValue {
    const zs = this.zs;
    if (zs instanceof PackedSortedSet) return new ZSetValue(true, PackedSortedSet.fromSorted(zs.toArray()));
    const copy = new SortedSet();
    for (const [m, s] of zs) copy.add(m, s);
    return new ZSetValue(this.listpack, copy);
  }
}
// a constant on the prototype: no field per value
(ZSetValue.prototype as { type: string }).type = 'zset';

// The Redis sorted-set type. Every zset is kept in one SortedSet (skiplist
// with spans + member map, see ds/skiplist.ts); `listpack` only tracks the
// encoding Redis 7.0 would report, which clients see through OBJECT ENCODING
// and ZSCAN (a listpack-encoded zset is scanned in one call, in order).
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
import { SortedSet } from './ds/skiplist.js';

/** zset-max-listpack-entries / zset-max-listpack-value. */
export interface ZLimits {
  entries: number;
  value: number;
}

export class ZSetValue implements RObject {
  readonly type = 'zset' as const;
  /** Memory accounting (store/memory.ts): bytes last accounted, sampled element size, changes since. */
  memBytes = 0;
  memAvg = -1;
  memChanges = 0;
  readonly zs: SortedSet;
  /** True while Redis would keep this zset listpack-encoded. */
  listpack: boolean;

  constructor(listpack = true, zs?: SortedSet) {
    this.listpack = listpack;
    this.zs = zs ?? new SortedSet();
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
    if (this.listpack) {
      if ((this.zs.size + 1 > lim.entries || member.length > lim.value) && !this.zs.has(member)) this.listpack = false;
      else if (score === 0) score = 0; // -0 -> 0
    }
    return this.zs.add(member, score);
  }

  remove(member: string): boolean {
    return this.zs.remove(member);
  }

  /** zsetConvertToListpackIfNeeded: back to listpack when small enough. */
  convertToListpackIfNeeded(maxelelen: number, lim: ZLimits): void {
    if (this.listpack) return;
    if (this.zs.size <= lim.entries && maxelelen <= lim.value) {
      this.listpack = true;
      let negZero: string[] | null = null;
      for (const [m, s] of this.zs) if (Object.is(s, -0)) (negZero ??= []).push(m);
      if (negZero !== null) {
        for (const m of negZero) {
          this.zs.remove(m);
          this.zs.add(m, 0);
        }
      }
    }
  }

  /** Longest member in bytes. */
  maxMemberLength(): number {
    let m = 0;
    for (const k of this.zs.map.keys()) if (k.length > m) m = k.length;
    return m;
  }

  /** Deep copy (COPY, RESTORE...): same encoding, same elements. */
  clone(): ZSetValue {
    const zs = new SortedSet();
    for (const [m, s] of this.zs) zs.add(m, s);
    return new ZSetValue(this.listpack, zs);
  }
}

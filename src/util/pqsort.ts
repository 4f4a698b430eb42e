// Redis's pqsort (NetBSD's Bentley-McIlroy quicksort that only recurses into
// partitions overlapping the wanted range). SORT ... BY ... LIMIT and GEO
// searches with COUNT use it; it is not stable, so elements that compare
// equal come out in the order this exact algorithm leaves them, which is the
// order clients see from Redis. (Redis 7.0's copy has no switch to insertion
// sort after a partition without swaps, unlike NetBSD's.)

type Cmp<T> = (a: T, b: T) => number;

/** Sorts v enough that positions lrange..rrange (inclusive) hold what a full sort would put there. */
export function pqsort<T>(v: T[], cmp: Cmp<T>, lrange: number, rrange: number): void {
  part(v, 0, v.length, cmp, lrange, rrange);
}

function part<T>(v: T[], a: number, n: number, cmp: Cmp<T>, L: number, R: number): void {
  const swap = (i: number, j: number): void => {
    const t = v[i];
    v[i] = v[j];
    v[j] = t;
  };
  const med3 = (x: number, y: number, z: number): number =>
    cmp(v[x], v[y]) < 0 ? (cmp(v[y], v[z]) < 0 ? y : cmp(v[x], v[z]) < 0 ? z : x) : cmp(v[y], v[z]) > 0 ? y : cmp(v[x], v[z]) < 0 ? x : z;
  const insertion = (): void => {
    for (let pm = a + 1; pm < a + n; pm++) for (let pl = pm; pl > a && cmp(v[pl - 1], v[pl]) > 0; pl--) swap(pl, pl - 1);
  };
  // skip a partition [s, s+k) that lies wholly before or after the wanted range
  const outside = (s: number, k: number): boolean => (L < s && R < s) || (L >= s + k && R >= s + k);
  for (;;) {
    if (n < 7) return insertion();
    let pm = a + Math.floor(n / 2);
    if (n > 7) {
      let pl = a;
      let pn = a + n - 1;
      if (n > 40) {
        const d = Math.floor(n / 8);
        pl = med3(pl, pl + d, pl + 2 * d);
        pm = med3(pm - d, pm, pm + d);
        pn = med3(pn - 2 * d, pn - d, pn);
      }
      pm = med3(pl, pm, pn);
    }
    swap(a, pm);
    let pa = a + 1;
    let pb = a + 1;
    let pc = a + n - 1;
    let pd = a + n - 1;
    for (;;) {
      let r: number;
      while (pb <= pc && (r = cmp(v[pb], v[a])) <= 0) {
        if (r === 0) {
          swap(pa, pb);
          pa++;
        }
        pb++;
      }
      while (pb <= pc && (r = cmp(v[pc], v[a])) >= 0) {
        if (r === 0) {
          swap(pc, pd);
          pd--;
        }
        pc--;
      }
      if (pb > pc) break;
      swap(pb, pc);
      pb++;
      pc--;
    }
    const pn = a + n;
    let r = Math.min(pa - a, pb - pa);
    for (let q = 0; q < r; q++) swap(a + q, pb - r + q);
    r = Math.min(pd - pc, pn - pd - 1);
    for (let q = 0; q < r; q++) swap(pb + q, pn - r + q);
    if ((r = pb - pa) > 1 && !outside(a, r)) part(v, a, r, cmp, L, R);
    if ((r = pd - pc) > 1) {
      a = pn - r;
      n = r;
      if (!outside(a, n)) continue;
    }
    return;
  }
}

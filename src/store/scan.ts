// Cursor scanning over a Map (SCAN, HSCAN, SSCAN, ZSCAN).
//
// Redis's guarantee: an element present for the whole scan is returned at
// least once. A V8 Map iterates in insertion order and its iterators stay
// valid across inserts, deletes and rehashes, so a live iterator parked
// between calls gives exactly that guarantee. The cursor encodes a parking
// slot and the ordinal position; if the parked iterator was dropped (too many
// concurrent scans) we fall back to skipping `ordinal` entries from the start.

const SLOT_BITS = 2 ** 32;
const MAX_PARKED = 1024;

interface Parked<K> {
  it: Iterator<K>;
  pending: K | undefined; // pulled but not yet returned
  owner: object;
}

const parked = new Map<number, Parked<unknown>>();
let nextSlot = 1;

export interface ScanResult<K> {
  cursor: string;
  items: K[];
}

/**
 * One SCAN step over `keys` of `m`. `count` is a hint of how many entries to
 * visit; `accept` filters (MATCH/TYPE), visited entries count either way.
 */
export function scanMap<K>(m: Map<K, unknown>, cursor: number, count: number, accept?: (k: K) => boolean): ScanResult<K> {
  const items: K[] = [];
  let st = cursor === 0 ? undefined : (parked.get(cursor) as Parked<K> | undefined);
  if (st !== undefined && st.owner !== m) st = undefined;
  let ordinal = cursor % SLOT_BITS;
  if (st !== undefined) parked.delete(cursor);
  else {
    const it = m.keys();
    for (let i = 0; i < ordinal; i++) if (it.next().done) return { cursor: '0', items };
    st = { it, pending: undefined, owner: m };
  }
  let visited = 0;
  if (st.pending !== undefined) {
    const k = st.pending;
    st.pending = undefined;
    if (m.has(k)) {
      visited++;
      ordinal++;
      if (accept === undefined || accept(k)) items.push(k);
    }
  }
  while (visited < count) {
    const r = st.it.next();
    if (r.done) return { cursor: '0', items };
    visited++;
    ordinal++;
    if (accept === undefined || accept(r.value)) items.push(r.value);
  }
  const peek = st.it.next();
  if (peek.done) return { cursor: '0', items };
  st.pending = peek.value;
  if (parked.size >= MAX_PARKED) {
    const oldest = parked.keys().next().value as number;
    parked.delete(oldest);
  }
  const slot = nextSlot;
  nextSlot = nextSlot >= 2 ** 20 ? 1 : nextSlot + 1;
  const next = slot * SLOT_BITS + ordinal;
  parked.set(next, st as Parked<unknown>);
  return { cursor: String(next), items };
}

// notify-keyspace-events: the flag letters exactly as Redis 7.0 parses and
// prints them (notify.c keyspaceEventsStringToFlags / FlagsToString).
// Kept apart from the pub/sub state so the config layer can use it alone.

import { NOTIFY } from '../store/types.js';

/** 'A' = g$lshzxetd (not m, not n), as Redis's NOTIFY_ALL. */
export const NOTIFY_ALL =
  NOTIFY.GENERIC | NOTIFY.STRING | NOTIFY.LIST | NOTIFY.SET | NOTIFY.HASH | NOTIFY.ZSET | NOTIFY.EXPIRED | NOTIFY.EVICTED | NOTIFY.STREAM | NOTIFY.MODULE;

const LETTERS: Record<string, number> = {
  A: NOTIFY_ALL,
  g: NOTIFY.GENERIC,
  $: NOTIFY.STRING,
  l: NOTIFY.LIST,
  s: NOTIFY.SET,
  h: NOTIFY.HASH,
  z: NOTIFY.ZSET,
  x: NOTIFY.EXPIRED,
  e: NOTIFY.EVICTED,
  K: NOTIFY.KEYSPACE,
  E: NOTIFY.KEYEVENT,
  t: NOTIFY.STREAM,
  m: NOTIFY.KEY_MISS,
  d: NOTIFY.MODULE,
  n: NOTIFY.NEW,
};

export const NOTIFY_BAD_CLASS = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";

/** Flag bits of a notify-keyspace-events string, or -1 on an unknown letter. */
export function parseNotifyFlags(s: string): number {
  let flags = 0;
  for (let i = 0; i < s.length; i++) {
    const f = LETTERS[s[i]];
    if (f === undefined) return -1;
    flags |= f;
  }
  return flags;
}

/** Redis's display form (CONFIG GET): 'A' when all of g$lshzxetd are set (then 'n' is not shown). */
export function notifyFlagsToString(flags: number): string {
  let r = '';
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) {
    r = 'A';
  } else {
    if (flags & NOTIFY.GENERIC) r += 'g';
    if (flags & NOTIFY.STRING) r += '$';
    if (flags & NOTIFY.LIST) r += 'l';
    if (flags & NOTIFY.SET) r += 's';
    if (flags & NOTIFY.HASH) r += 'h';
    if (flags & NOTIFY.ZSET) r += 'z';
    if (flags & NOTIFY.EXPIRED) r += 'x';
    if (flags & NOTIFY.EVICTED) r += 'e';
    if (flags & NOTIFY.STREAM) r += 't';
    if (flags & NOTIFY.MODULE) r += 'd';
    if (flags & NOTIFY.NEW) r += 'n';
  }
  if (flags & NOTIFY.KEYSPACE) r += 'K';
  if (flags & NOTIFY.KEYEVENT) r += 'E';
  if (flags & NOTIFY.KEY_MISS) r += 'm';
  return r;
}

/**
 * Lossless canonical storage form (keeps 'n' even with 'A', which the
 * display form drops as Redis does): one letter per bit, fixed order.
 */
export function notifyFlagsCanonical(flags: number): string {
  let r = '';
  for (const ch of 'g$lshzxetdnKEm') if (flags & LETTERS[ch]) r += ch;
  return r;
}

/** ParamDef.parse for notify-keyspace-events. */
export function parseNotifyParam(raw: string[]): string | { error: string } {
  if (raw.length !== 1) return { error: 'wrong number of arguments' };
  const f = parseNotifyFlags(raw[0]);
  if (f < 0) return { error: NOTIFY_BAD_CLASS };
  return notifyFlagsCanonical(f);
}

/** ParamDef.format for notify-keyspace-events. */
export function formatNotifyParam(v: string): string {
  const f = parseNotifyFlags(v);
  return f < 0 ? v : notifyFlagsToString(f);
}

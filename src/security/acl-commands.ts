// The commands ACL rules talk about: every Redis 7.0 command and subcommand
// with its ACL id and categories, implemented by Redoubt or not. Rules,
// ACL CAT and the re-description of users count over this set, so that a
// user is described exactly as Redis describes it.

import { META, ACL_IDS } from '../commands/table.js';

/** Redis's category order (acl.c ACLCommandCategories): ACL CAT and ACL LIST follow it. */
export const CATEGORIES = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo',
  'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
];

export interface AclCmd {
  id: number;
  /** 'get', 'config|get' */
  fullName: string;
  /** Bit i set: in CATEGORIES[i]. */
  cats: number;
  parent: AclCmd | null;
  subs: AclCmd[] | null;
  noAuth: boolean;
}

function catBits(acl: string[]): number {
  let b = 0;
  for (const a of acl) {
    const i = CATEGORIES.indexOf(a.replace(/^@/, ''));
    if (i !== -1) b |= 1 << i;
  }
  return b;
}

/** Top-level commands in meta.json order (Redis walks its command dict; any fixed order describes the same bitmap). */
export const ACL_CMDS: AclCmd[] = [];
const byName = new Map<string, AclCmd>();
for (const m of Object.values(META)) {
  const cmd: AclCmd = { id: ACL_IDS.get(m.name)!, fullName: m.name, cats: catBits(m.acl), parent: null, subs: null, noAuth: m.flags.includes('no_auth') };
  if (m.sub) {
    cmd.subs = m.sub.map((s) => ({ id: ACL_IDS.get(s.name)!, fullName: s.name, cats: catBits(s.acl), parent: cmd, subs: null, noAuth: s.flags.includes('no_auth') }));
    for (const s of cmd.subs) byName.set(s.fullName, s);
  }
  ACL_CMDS.push(cmd);
  byName.set(cmd.fullName, cmd);
}

/** Bits per selector bitmap: one per command id plus Redis's reserved "future commands" bit, set only by +@all. */
export const FUTURE_BIT = ACL_IDS.size;
export const BITMAP_WORDS = (FUTURE_BIT >> 5) + 1;

/** The category's bit, or 0 for an unknown name (case-insensitive, as Redis). */
export function categoryBit(name: string): number {
  const i = CATEGORIES.indexOf(name.toLowerCase());
  return i === -1 ? 0 : 1 << i;
}

/** Redis's strict lookup of 'cmd' or 'cmd|sub' (lookupCommandBySdsLogic): no first-args, no deeper levels. */
export function aclLookup(name: string): AclCmd | undefined {
  const n = name.toLowerCase();
  const parts = n.split('|');
  if (parts.length > 2) return undefined;
  if (parts.length === 1) return byName.get(n);
  const base = byName.get(parts[0]);
  if (base === undefined || base.parent !== null) return undefined;
  if (base.subs === null) return undefined;
  return byName.get(n);
}

/** Every command then its subcommands, in table order (ACL CAT's walk). */
export function* allAclCmds(): Generator<AclCmd> {
  for (const c of ACL_CMDS) {
    yield c;
    if (c.subs) yield* c.subs;
  }
}

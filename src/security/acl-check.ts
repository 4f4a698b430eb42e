// Permission checks (acl.c ACLCheckAllUserCommandPerm): the command against
// each selector's bitmap, every key with the read/write intent its key spec
// declares, every channel of the pub/sub commands. A command runs when one
// selector allows all of it.

import { CMD, getKeys, type Command, type KeyRef } from '../commands/table.js';
import { PERM_READ, PERM_WRITE, channelInList, SEL } from './selector.js';
import type { User } from './users.js';

export const DENIED = { NONE: 0, CMD: 1, KEY: 2, AUTH: 3, CHANNEL: 4 } as const;

/** The argv index of the key or channel behind the last denial (ACL LOG's object). */
export const deniedAt = { idx: 0 };

const specPerms = new Map<string[], number>();

/** Key-spec flags to the permission a key needs: ACCESS reads, INSERT/DELETE/UPDATE write. */
function specPerm(flags: string[]): number {
  let p = specPerms.get(flags);
  if (p === undefined) {
    p = 0;
    if (flags.includes('access')) p |= PERM_READ;
    if (flags.includes('insert') || flags.includes('delete') || flags.includes('update')) p |= PERM_WRITE;
    specPerms.set(flags, p);
  }
  return p;
}

/** Commands with VARIABLE_FLAGS key specs: Redis's getkeys procs decide from the arguments. */
function keyPerm(cmd: Command, argv: string[], ref: KeyRef): number {
  const name = cmd.fullName;
  if (name === 'set') {
    // setGetKeys: RW+ACCESS with GET, else OW+UPDATE (write only)
    for (let i = 3; i < argv.length; i++) if (argv[i].length === 3 && argv[i].toLowerCase() === 'get') return PERM_READ | PERM_WRITE;
    return PERM_WRITE;
  }
  if (name === 'bitfield') {
    // bitfieldGetKeys: read-only unless a SET/INCRBY (or a syntax error) shows up
    for (let i = 2; i < argv.length; i++) {
      const rem = argv.length - i - 1;
      const a = argv[i].toLowerCase();
      if (a === 'get' && rem >= 2) i += 2;
      else if (a === 'overflow' && rem >= 1) i += 1;
      else return PERM_READ | PERM_WRITE;
    }
    return PERM_READ;
  }
  return specPerm(ref.flags);
}

/**
 * The one key of commands like GET/INCR/HSET (a single index key spec with
 * one key, fixed flags) and the permission it needs: checked without
 * building a key list. -1: not such a command.
 */
const singleKeyPos: number[] = [];
const singleKeyPerm: number[] = [];
function singleKey(cmd: Command): number {
  let pos = singleKeyPos[cmd.id];
  if (pos === undefined) {
    pos = -1;
    const specs = cmd.meta.keySpecs;
    if (cmd.getKeysProc === null && specs.length === 1 && cmd.fullName !== 'set' && cmd.fullName !== 'bitfield') {
      const sp = specs[0];
      if (sp.begin_search.type === 'index' && sp.find_keys.type === 'range' && sp.find_keys.spec.lastkey === 0 && !sp.flags.includes('not_key')) {
        pos = sp.begin_search.spec.index as number;
        singleKeyPerm[cmd.id] = specPerm(sp.flags);
      }
    }
    singleKeyPos[cmd.id] = pos;
  }
  return pos;
}

/** [first index, count, literal] of a command's channel arguments, or null. */
function channelArgs(cmd: Command, argc: number): [number, number, boolean] | null {
  switch (cmd.fullName) {
    case 'publish':
    case 'spublish':
      return [1, 1, false];
    case 'subscribe':
    case 'ssubscribe':
      return [1, argc - 1, false];
    case 'psubscribe':
      return [1, argc - 1, true];
    default:
      return null;
  }
}

/**
 * DENIED.NONE when the user may run the call, else the reason; for a key or
 * channel, deniedAt.idx names the argument. Redis's choice among several
 * selectors' refusals: channel over key over command, then the later argument.
 */
export function checkUser(u: User, cmd: Command, argv: string[]): number {
  if (u.unrestricted) return DENIED.NONE;
  let relevant: number = DENIED.CMD;
  let lastIdx = 0;
  let keys: KeyRef[] | null | undefined;
  const isSub = cmd.parent !== null;
  const noAuth = (cmd.flags & CMD.NO_AUTH) !== 0; // AUTH and HELLO are open to everyone
  const sels = u.selectors;
  for (let s = 0; s < sels.length; s++) {
    const sel = sels[s];
    let ret: number = DENIED.NONE;
    let idx = 0;
    if (!sel.allowsCommand(cmd.id, noAuth, isSub, argv)) ret = DENIED.CMD;
    if (ret === DENIED.NONE && !(sel.flags & SEL.ALLKEYS) && cmd.hasKeys()) {
      const pos = singleKey(cmd);
      if (pos !== -1) {
        if (pos < argv.length && !sel.allowsKey(argv[pos], singleKeyPerm[cmd.id])) {
          ret = DENIED.KEY;
          idx = pos;
        }
      } else {
        if (keys === undefined) keys = getKeys(cmd, argv);
        if (keys !== null) {
          for (let k = 0; k < keys.length; k++) {
            const ref = keys[k];
            if (!sel.allowsKey(argv[ref.pos], keyPerm(cmd, argv, ref))) {
              ret = DENIED.KEY;
              idx = ref.pos;
              break;
            }
          }
        }
      }
    }
    if (ret === DENIED.NONE && !(sel.flags & SEL.ALLCHANNELS)) {
      const ch = channelArgs(cmd, argv.length);
      if (ch !== null) {
        for (let j = ch[0]; j < ch[0] + ch[1]; j++) {
          if (!channelInList(sel.channels, argv[j], ch[2])) {
            ret = DENIED.CHANNEL;
            idx = j;
            break;
          }
        }
      }
    }
    if (ret === DENIED.NONE) return DENIED.NONE;
    if (ret > relevant || (ret === relevant && idx > lastIdx)) {
      relevant = ret;
      lastIdx = idx;
    }
  }
  deniedAt.idx = lastIdx;
  return relevant;
}

/** ACLUserCheckChannelPerm: may the user hold a subscription to this channel (pattern if literal)? */
export function userMayUseChannel(u: User, channel: string, literal: boolean): boolean {
  for (const s of u.selectors) {
    if (s.flags & SEL.ALLCHANNELS) return true;
    if (channelInList(s.channels, channel, literal)) return true;
  }
  return false;
}

export function noPermMessage(reason: number, cmd: Command): string {
  if (reason === DENIED.CMD) return `NOPERM this user has no permissions to run the '${cmd.fullName}' command`;
  if (reason === DENIED.KEY) return 'NOPERM this user has no permissions to access one of the keys used as arguments';
  return 'NOPERM this user has no permissions to access one of the channels used as arguments';
}

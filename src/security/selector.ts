// One ACL selector: which commands (a bitmap indexed by ACL command id, plus
// Redis's allowed first-args), which keys (patterns with read/write
// permissions) and which channels. A user has a root selector and any number
// of "(...)" selectors; a command is allowed when one selector allows it.
// The rule grammar and the describer follow Redis 7.0's acl.c exactly.

import { compileGlob, globMatch, matchCompiled, type CompiledGlob } from '../util/glob.js';
import { ACL_CMDS, BITMAP_WORDS, CATEGORIES, FUTURE_BIT, aclLookup, categoryBit, type AclCmd } from './acl-commands.js';
import { splitArgs } from '../util/splitargs.js';

export const PERM_READ = 1;
export const PERM_WRITE = 2;
export const PERM_ALL = 3;

export const SEL = { ROOT: 1, ALLKEYS: 2, ALLCHANNELS: 4, ALLCOMMANDS: 8 } as const;

/** ACLSetUserStringError texts. */
export const ACL_ERR = {
  unknown: 'Unknown command or category name in ACL',
  syntax: 'Syntax error',
  keysAfterStar:
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
  channelsAfterStar:
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
  noSuchPass: 'The password you are trying to remove from the user does not exist',
  badHash: 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters',
  duplicate: 'Duplicate user found. A user can only be defined once in config files',
  firstArgOfSub: 'Allowing first-arg of a subcommand is not supported',
} as const;

export class KeyPattern {
  readonly glob: CompiledGlob;
  /** 'prefix' of a 'prefix*' pattern without other special characters, else null. */
  readonly prefix: string | null;
  constructor(
    readonly pattern: string,
    public flags: number,
  ) {
    this.glob = compileGlob(pattern);
    const m = /^([^*?[\]\\]+)\*$/.exec(pattern);
    this.prefix = m ? m[1] : null;
  }
  matches(key: string): boolean {
    return this.prefix !== null ? key.startsWith(this.prefix) : matchCompiled(this.glob, key);
  }
  describe(): string {
    const f = this.flags;
    return (f === PERM_ALL ? '~' : f === PERM_READ ? '%R~' : '%W~') + this.pattern;
  }
}

/** Redis's ACLStringHasSpaces: isspace() or NUL. */
export function hasSpaces(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 0 || ch === 32 || (ch >= 9 && ch <= 13)) return true;
  }
  return false;
}

export class Selector {
  flags: number;
  bits = new Uint32Array(BITMAP_WORDS);
  /** Command id -> allowed first arguments ('+select|0'), for commands whose bit is off. */
  firstArgs: Map<number, string[]> | null = null;
  patterns: KeyPattern[] = [];
  channels: string[] = [];

  constructor(flags: number) {
    this.flags = flags;
  }

  copy(): Selector {
    const s = new Selector(this.flags);
    s.bits.set(this.bits);
    if (this.firstArgs) s.firstArgs = new Map([...this.firstArgs].map(([k, v]) => [k, [...v]]));
    s.patterns = this.patterns.map((p) => new KeyPattern(p.pattern, p.flags));
    s.channels = [...this.channels];
    return s;
  }

  getBit(id: number): boolean {
    return (this.bits[id >>> 5] & (1 << (id & 31))) !== 0;
  }

  private setBit(id: number, v: boolean): void {
    if (v) this.bits[id >>> 5] |= 1 << (id & 31);
    else {
      this.bits[id >>> 5] &= ~(1 << (id & 31));
      this.flags &= ~SEL.ALLCOMMANDS;
    }
  }

  /** ACLChangeSelectorPerm: a container command carries its subcommands along. */
  changePerm(cmd: AclCmd, allow: boolean): void {
    this.setBit(cmd.id, allow);
    this.firstArgs?.delete(cmd.id);
    if (cmd.subs) for (const s of cmd.subs) this.setBit(s.id, allow);
  }

  private setCategory(cmds: AclCmd[], cat: number, allow: boolean): void {
    for (const cmd of cmds) {
      if (cmd.cats & cat) this.changePerm(cmd, allow);
      if (cmd.subs) this.setCategory(cmd.subs, cat, allow);
    }
  }

  /** Commands of the category this selector allows and denies. */
  countCategory(cat: number): [number, number] {
    let on = 0;
    let off = 0;
    for (const cmd of ACL_CMDS) {
      if (cmd.cats & cat) this.getBit(cmd.id) ? on++ : off++;
      if (cmd.subs) for (const s of cmd.subs) if (s.cats & cat) this.getBit(s.id) ? on++ : off++;
    }
    return [on, off];
  }

  private addFirstArg(id: number, arg: string): void {
    if (this.firstArgs === null) this.firstArgs = new Map();
    const list = this.firstArgs.get(id);
    if (list === undefined) this.firstArgs.set(id, [arg]);
    else if (!list.some((a) => a.toLowerCase() === arg.toLowerCase())) list.push(arg);
  }

  /** ACLSetSelector: applies one rule; returns an ACL_ERR text when the rule is refused. */
  apply(op: string): string | null {
    const lop = op.toLowerCase();
    if (lop === 'allkeys' || op === '~*') {
      this.flags |= SEL.ALLKEYS;
      this.patterns = [];
    } else if (lop === 'resetkeys') {
      this.flags &= ~SEL.ALLKEYS;
      this.patterns = [];
    } else if (lop === 'allchannels' || op === '&*') {
      this.flags |= SEL.ALLCHANNELS;
      this.channels = [];
    } else if (lop === 'resetchannels') {
      this.flags &= ~SEL.ALLCHANNELS;
      this.channels = [];
    } else if (lop === 'allcommands' || lop === '+@all') {
      this.bits.fill(0xffffffff);
      this.flags |= SEL.ALLCOMMANDS;
      this.firstArgs = null;
    } else if (lop === 'nocommands' || lop === '-@all') {
      this.bits.fill(0);
      this.flags &= ~SEL.ALLCOMMANDS;
      this.firstArgs = null;
    } else if (op[0] === '~' || op[0] === '%') {
      if (this.flags & SEL.ALLKEYS) return ACL_ERR.keysAfterStar;
      let flags = 0;
      let offset = 1;
      if (op[0] === '%') {
        for (; offset < op.length; offset++) {
          const ch = op[offset].toUpperCase();
          if (ch === 'R' && !(flags & PERM_READ)) flags |= PERM_READ;
          else if (ch === 'W' && !(flags & PERM_WRITE)) flags |= PERM_WRITE;
          else if (op[offset] === '~') {
            offset++;
            break;
          } else return ACL_ERR.syntax;
        }
        if (flags === 0) return ACL_ERR.syntax;
      } else flags = PERM_ALL;
      const pat = op.slice(offset);
      if (hasSpaces(pat)) return ACL_ERR.syntax;
      const old = this.patterns.find((p) => p.pattern === pat);
      if (old) old.flags |= flags;
      else this.patterns.push(new KeyPattern(pat, flags));
      this.flags &= ~SEL.ALLKEYS;
    } else if (op[0] === '&') {
      if (this.flags & SEL.ALLCHANNELS) return ACL_ERR.channelsAfterStar;
      const pat = op.slice(1);
      if (hasSpaces(pat)) return ACL_ERR.syntax;
      if (!this.channels.includes(pat)) this.channels.push(pat);
      this.flags &= ~SEL.ALLCHANNELS;
    } else if (op[0] === '+' && op[1] !== '@') {
      const bar = op.lastIndexOf('|');
      if (bar === -1) {
        const cmd = aclLookup(op.slice(1));
        if (!cmd) return ACL_ERR.unknown;
        this.changePerm(cmd, true);
      } else {
        const cmd = aclLookup(op.slice(1, bar));
        const sub = op.slice(bar + 1);
        if (!cmd) return ACL_ERR.unknown;
        if (cmd.parent) return ACL_ERR.firstArgOfSub;
        if (sub.length === 0) return ACL_ERR.syntax;
        if (cmd.subs) {
          const s = aclLookup(op.slice(1));
          if (!s) return ACL_ERR.unknown;
          this.changePerm(s, true);
        } else {
          this.addFirstArg(cmd.id, sub);
        }
      }
    } else if (op[0] === '-' && op[1] !== '@') {
      const cmd = aclLookup(op.slice(1));
      if (!cmd) return ACL_ERR.unknown;
      this.changePerm(cmd, false);
    } else if ((op[0] === '+' || op[0] === '-') && op[1] === '@') {
      const cat = categoryBit(op.slice(2));
      if (cat === 0) return ACL_ERR.unknown;
      this.setCategory(ACL_CMDS, cat, op[0] === '+');
    } else {
      return ACL_ERR.syntax;
    }
    return null;
  }

  /**
   * ACLDescribeSelectorCommandRules: +@all or -@all, then the categories that
   * best fit the bitmap, then single commands and first-args until a fresh
   * selector given these rules has exactly this bitmap.
   */
  describeCommands(): string {
    let rules = '';
    const fake = new Selector(0);
    const additive = !this.getBit(FUTURE_BIT);
    rules += additive ? '-@all ' : '+@all ';
    fake.apply(additive ? '-@all' : '+@all');
    const temp = new Selector(0);
    temp.bits.set(this.bits);
    const applied = new Array<boolean>(CATEGORIES.length).fill(false);
    for (;;) {
      let best = -1;
      let mindiff = 0x7fffffff;
      let maxsame = 0;
      for (let j = 0; j < CATEGORIES.length; j++) {
        if (applied[j]) continue;
        const [on, off] = temp.countCategory(1 << j);
        const diff = additive ? off : on;
        const same = additive ? on : off;
        if (same > diff && (diff < mindiff || (diff === mindiff && same > maxsame))) {
          best = j;
          mindiff = diff;
          maxsame = same;
        }
      }
      if (best === -1) break;
      const name = CATEGORIES[best];
      fake.apply((additive ? '+@' : '-@') + name);
      temp.apply((additive ? '-@' : '+@') + name);
      rules += (additive ? '+@' : '-@') + name + ' ';
      applied[best] = true;
    }
    rules = this.describeSingles(fake, rules, ACL_CMDS);
    return rules.slice(0, -1);
  }

  private describeSingles(fake: Selector, rules: string, cmds: AclCmd[]): string {
    for (const cmd of cmds) {
      const userbit = this.getBit(cmd.id);
      if (userbit !== fake.getBit(cmd.id)) {
        rules += (userbit ? '+' : '-') + cmd.fullName + ' ';
        fake.changePerm(cmd, userbit);
      }
      if (cmd.subs) rules = this.describeSingles(fake, rules, cmd.subs);
      const fa = this.firstArgs?.get(cmd.id);
      if (!userbit && fa) for (const a of fa) rules += '+' + cmd.fullName + '|' + a + ' ';
    }
    return rules;
  }

  /** ACLDescribeSelector: keys, channels, commands (the form ACL LIST prints). */
  describe(): string {
    let res = '';
    if (this.flags & SEL.ALLKEYS) res += '~* ';
    else for (const p of this.patterns) res += p.describe() + ' ';
    if (this.flags & SEL.ALLCHANNELS) res += '&* ';
    else {
      res += 'resetchannels ';
      for (const ch of this.channels) res += '&' + ch + ' ';
    }
    return res + this.describeCommands();
  }

  keysField(): string {
    return this.flags & SEL.ALLKEYS ? '~*' : this.patterns.map((p) => p.describe()).join(' ');
  }

  channelsField(): string {
    return this.flags & SEL.ALLCHANNELS ? '&*' : this.channels.map((c) => '&' + c).join(' ');
  }

  /** May run the command by id (bitmap or first-arg), not looking at keys. */
  allowsCommand(id: number, noAuth: boolean, isSub: boolean, argv: string[]): boolean {
    if (this.flags & SEL.ALLCOMMANDS || noAuth || this.getBit(id)) return true;
    const fa = this.firstArgs?.get(id);
    if (fa === undefined || argv.length < 2) return false;
    const arg = argv[isSub ? 2 : 1];
    if (arg === undefined) return false;
    const l = arg.toLowerCase();
    for (const a of fa) if (a.toLowerCase() === l) return true;
    return false;
  }

  /** ACLSelectorCheckKey */
  allowsKey(key: string, perm: number): boolean {
    if (this.flags & SEL.ALLKEYS) return true;
    const ps = this.patterns;
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i];
      if ((p.flags & perm) !== perm) continue;
      if (p.matches(key)) return true;
    }
    return false;
  }

  /** ACLCheckChannelAgainstList; `literal` for PSUBSCRIBE patterns. */
  allowsChannel(channel: string, literal: boolean): boolean {
    if (this.flags & SEL.ALLCHANNELS) return true;
    return channelInList(this.channels, channel, literal);
  }
}

export function channelInList(list: string[], channel: string, literal: boolean): boolean {
  for (const p of list) {
    if (literal ? p === channel : globMatch(p, channel)) return true;
  }
  return false;
}

/** A "(...)" selector: its rules split like a config line (sdssplitargs). */
export function selectorFromOpSet(op: string, pubsubDefault: number): Selector | string {
  const s = new Selector(pubsubDefault);
  const args = splitArgs(op.slice(1, -1));
  if (args === null) return ACL_ERR.syntax;
  for (const a of args) {
    const err = s.apply(a);
    if (err !== null) return err;
  }
  return s;
}

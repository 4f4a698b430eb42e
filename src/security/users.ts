// ACL users: flags, password hashes and selectors, with Redis 7.0's
// ACL SETUSER grammar (ACLSetUser) and description (ACLDescribeUser).
// Passwords are kept only as SHA-256 hex and compared in constant time.

import { createHash, timingSafeEqual } from 'node:crypto';
import { ACL_ERR, SEL, Selector, selectorFromOpSet } from './selector.js';

export function hashPassword(p: string): string {
  return createHash('sha256').update(Buffer.from(p, 'latin1')).digest('hex');
}

export const UF = { ENABLED: 1, DISABLED: 2, NOPASS: 4, SKIP_SANITIZE: 8, SANITIZE: 16 } as const;

/** ACLUserFlags: the order ACL LIST and GETUSER print them in. */
const FLAG_NAMES: [string, number][] = [
  ['on', UF.ENABLED],
  ['off', UF.DISABLED],
  ['nopass', UF.NOPASS],
  ['skip-sanitize-payload', UF.SKIP_SANITIZE],
  ['sanitize-payload', UF.SANITIZE],
];

function validHash(h: string): boolean {
  return /^[0-9a-f]{64}$/.test(h);
}

export class User {
  flags: number = UF.DISABLED;
  /** SHA-256 hex digests, in the order they were added. */
  passwords: string[] = [];
  /** selectors[0] is the root selector (rules outside parentheses). */
  selectors: Selector[];
  /** One selector allowing every command, key and channel: the check can be skipped. */
  unrestricted = false;

  constructor(
    readonly name: string,
    pubsubDefault: number,
  ) {
    this.selectors = [new Selector(SEL.ROOT | pubsubDefault)];
  }

  get enabled(): boolean {
    return (this.flags & UF.DISABLED) === 0;
  }
  get nopass(): boolean {
    return (this.flags & UF.NOPASS) !== 0;
  }
  get root(): Selector {
    return this.selectors[0];
  }

  checkPassword(p: string): boolean {
    if (this.nopass) return true;
    const h = Buffer.from(hashPassword(p), 'hex');
    let ok = false;
    for (const stored of this.passwords) {
      // constant time per candidate; the number of passwords is not secret
      if (timingSafeEqual(h, Buffer.from(stored, 'hex'))) ok = true;
    }
    return ok;
  }

  /** ACLSetUser: one rule; an ACL_ERR text when refused (the caller stages on a copy). */
  apply(op: string, pubsubDefault: number): string | null {
    if (op.length === 0) return null;
    const lop = op.toLowerCase();
    if (lop === 'on') this.flags = (this.flags | UF.ENABLED) & ~UF.DISABLED;
    else if (lop === 'off') this.flags = (this.flags | UF.DISABLED) & ~UF.ENABLED;
    else if (lop === 'skip-sanitize-payload') this.flags = (this.flags | UF.SKIP_SANITIZE) & ~UF.SANITIZE;
    else if (lop === 'sanitize-payload') this.flags = (this.flags | UF.SANITIZE) & ~UF.SKIP_SANITIZE;
    else if (lop === 'nopass') {
      this.flags |= UF.NOPASS;
      this.passwords = [];
    } else if (lop === 'resetpass') {
      this.flags &= ~UF.NOPASS;
      this.passwords = [];
    } else if (op[0] === '>' || op[0] === '#') {
      let h: string;
      if (op[0] === '>') h = hashPassword(op.slice(1));
      else {
        h = op.slice(1);
        if (!validHash(h)) return ACL_ERR.badHash;
      }
      if (!this.passwords.includes(h)) this.passwords.push(h);
      this.flags &= ~UF.NOPASS;
    } else if (op[0] === '<' || op[0] === '!') {
      let h: string;
      if (op[0] === '<') h = hashPassword(op.slice(1));
      else {
        h = op.slice(1);
        if (!validHash(h)) return ACL_ERR.badHash;
      }
      const i = this.passwords.indexOf(h);
      if (i === -1) return ACL_ERR.noSuchPass;
      this.passwords.splice(i, 1);
    } else if (op[0] === '(' && op[op.length - 1] === ')') {
      const s = selectorFromOpSet(op, pubsubDefault);
      if (typeof s === 'string') return s;
      this.selectors.push(s);
    } else if (lop === 'clearselectors') {
      this.selectors.length = 1;
    } else if (lop === 'reset') {
      this.apply('resetpass', pubsubDefault);
      this.apply('resetkeys', pubsubDefault);
      this.apply('resetchannels', pubsubDefault);
      if (pubsubDefault & SEL.ALLCHANNELS) this.apply('allchannels', pubsubDefault);
      this.apply('off', pubsubDefault);
      this.apply('sanitize-payload', pubsubDefault);
      this.apply('clearselectors', pubsubDefault);
      this.apply('-@all', pubsubDefault);
    } else {
      const err = this.root.apply(op);
      if (err !== null) return err;
    }
    this.refresh();
    return null;
  }

  refresh(): void {
    const all = SEL.ALLCOMMANDS | SEL.ALLKEYS | SEL.ALLCHANNELS;
    this.unrestricted = this.selectors.length === 1 && (this.root.flags & all) === all;
  }

  /** ACLCopyUser: the rules of src, keeping this user's name (clients keep pointing at this object). */
  copyFrom(src: User): void {
    this.flags = src.flags;
    this.passwords = [...src.passwords];
    this.selectors = src.selectors.map((s) => s.copy());
    this.refresh();
  }

  clone(pubsubDefault: number): User {
    const u = new User(this.name, pubsubDefault);
    u.copyFrom(this);
    return u;
  }

  flagNames(): string[] {
    return FLAG_NAMES.filter(([, f]) => this.flags & f).map(([n]) => n);
  }

  /** ACLDescribeUser: the rules ACL LIST and ACL SAVE print after "user <name> ". */
  describe(): string {
    let res = '';
    for (const n of this.flagNames()) res += n + ' ';
    for (const p of this.passwords) res += '#' + p + ' ';
    for (const s of this.selectors) {
      const d = s.describe();
      res += s.flags & SEL.ROOT ? d : ' (' + d + ')';
    }
    return res;
  }
}

/**
 * Selector rules may arrive split over several arguments ("(~x" "+get)"):
 * ACLMergeSelectorArguments joins them. Returns the index of an unmatched "(".
 */
export function mergeSelectorArgs(args: string[]): string[] | { unmatched: number } {
  const out: string[] = [];
  let open = -1;
  let sel = '';
  for (let j = 0; j < args.length; j++) {
    const op = args[j];
    if (op[0] === '(' && op[op.length - 1] !== ')') {
      sel = op;
      open = j;
      continue;
    }
    if (open !== -1) {
      sel += ' ' + op;
      if (op[op.length - 1] === ')') {
        open = -1;
        out.push(sel);
      }
      continue;
    }
    out.push(op);
  }
  if (open !== -1) return { unmatched: open };
  return out;
}

export class Users {
  readonly users = new Map<string, User>();
  readonly defaultUser: User;
  /** SEL.ALLCHANNELS when acl-pubsub-default is allchannels, else 0. */
  pubsubDefault = 0;

  constructor() {
    this.defaultUser = this.makeDefault();
    this.users.set('default', this.defaultUser);
  }

  /** ACLCreateDefaultUser */
  makeDefault(): User {
    const u = new User('default', this.pubsubDefault);
    for (const op of ['+@all', '~*', '&*', 'on', 'nopass']) u.apply(op, this.pubsubDefault);
    return u;
  }

  newUser(name: string): User {
    return new User(name, this.pubsubDefault);
  }

  /** Redis's authRequired(): the default user has a password or is disabled. */
  authRequired(): boolean {
    return !this.defaultUser.nopass || !this.defaultUser.enabled;
  }

  /** requirepass: '' makes the default user nopass (ACLUpdateDefaultUserPassword). */
  setRequirePass(p: string): void {
    const u = this.defaultUser;
    u.apply('resetpass', this.pubsubDefault);
    u.apply(p === '' ? 'nopass' : '>' + p, this.pubsubDefault);
  }

  /** The user, or null for WRONGPASS (unknown user, bad password, disabled). */
  authenticate(name: string, password: string): User | null {
    const u = this.users.get(name);
    if (!u || !u.enabled) {
      // spend the same work as a real check so user names are not probed by timing
      hashPassword(password);
      return null;
    }
    return u.checkPassword(password) ? u : null;
  }

  /** Names in Redis's rax order (bytes ascending). */
  sortedNames(): string[] {
    return [...this.users.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /**
   * Applies rules to a staged copy of the user (or a new user); nothing
   * changes unless every rule applies. Returns the staged user or the
   * refused rule and its reason.
   */
  stage(name: string, ops: string[]): User | { op: string; err: string } {
    const cur = this.users.get(name);
    const u = cur ? cur.clone(this.pubsubDefault) : this.newUser(name);
    for (const op of ops) {
      const err = u.apply(op, this.pubsubDefault);
      if (err !== null) return { op, err };
    }
    return u;
  }
}

/** Validates a `user` config directive as Redis does when reading the file (ACLAppendUserForLoading). */
export function validateUserDirective(argv: string[], seen: Set<string>): string | null {
  if (seen.has(argv[1])) return `Error in user declaration '${argv[1]}': ${ACL_ERR.duplicate}`;
  const merged = mergeSelectorArgs(argv.slice(2));
  if (!Array.isArray(merged)) return `Error in user declaration '${argv[merged.unmatched] ?? ''}': Syntax error`;
  const fake = new User('__fakeuser__', 0);
  for (let j = 0; j < merged.length; j++) {
    const err = fake.apply(merged[j], 0);
    // unknown commands are reported when the users are loaded, as Redis does
    if (err !== null && err !== ACL_ERR.unknown) return `Error in user declaration '${argv[j]}': ${err}`;
  }
  seen.add(argv[1]);
  return null;
}

export { ACL_ERR };

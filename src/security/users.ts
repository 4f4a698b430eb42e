// Users and authentication. Today there is the default user, configured by
// requirepass; the ACL issue extends User with command/key/channel rules and
// Users with ACL SETUSER/ACL LOAD, keeping this interface.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { Command } from '../commands/table.js';

export function hashPassword(p: string): string {
  return createHash('sha256').update(Buffer.from(p, 'latin1')).digest('hex');
}

export class User {
  enabled = true;
  nopass = false;
  /** SHA-256 hex digests */
  passwords = new Set<string>();

  constructor(readonly name: string) {}

  checkPassword(p: string): boolean {
    if (this.nopass) return true;
    const h = Buffer.from(hashPassword(p), 'hex');
    let ok = false;
    for (const stored of this.passwords) {
      // constant time per candidate; the set size is not secret
      if (timingSafeEqual(h, Buffer.from(stored, 'hex'))) ok = true;
    }
    return ok;
  }

  /** null when allowed, else the NOPERM reason. Full ACL rules come with the ACL issue. */
  canRun(_cmd: Command, _argv: string[]): string | null {
    return null;
  }
}

export class Users {
  readonly users = new Map<string, User>();
  readonly defaultUser: User;

  constructor() {
    this.defaultUser = new User('default');
    this.defaultUser.nopass = true;
    this.users.set('default', this.defaultUser);
  }

  /** Redis's authRequired(): the default user has a password or is disabled. */
  authRequired(): boolean {
    return !this.defaultUser.nopass || !this.defaultUser.enabled;
  }

  /** requirepass: '' makes the default user nopass. */
  setRequirePass(p: string): void {
    const u = this.defaultUser;
    u.passwords.clear();
    if (p === '') u.nopass = true;
    else {
      u.nopass = false;
      u.passwords.add(hashPassword(p));
    }
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
}

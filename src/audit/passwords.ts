// Password strength without ever trying a password on the server: plaintext
// (config files, CONFIG GET requirepass) is measured; ACL LIST's SHA-256
// hashes are compared with a small dictionary of common and default passwords.

import { createHash } from 'node:crypto';

/** Common and vendor-default Redis passwords (leak lists, docker images, tutorials). */
const COMMON = [
  '', 'password', 'Password', 'password1', 'password123', '123456', '12345678', '123456789', 'qwerty', 'admin', 'admin123',
  'root', 'toor', 'redis', 'Redis', 'redis123', 'redispass', 'redispassword', 'redis_password', 'foobared', 'secret',
  'changeme', 'letmein', 'test', 'test123', 'default', 'pass', 'passw0rd', 'P@ssw0rd', 'your_strong_password_here',
  'cluster_shared_password', 'mypassword', 'bitnami', 'sOmE_sEcUrE_pAsS', 'eYVX7EwVmmxKPCDmwMtyKVge8oLd2t81',
];

export const sha256 = (s: string): string => createHash('sha256').update(s, 'latin1').digest('hex');

/** Candidates for one account: the common list plus the usual patterns built from its name. */
export function candidates(user: string): string[] {
  return [...COMMON, user, `${user}_password`, `${user}password`, `${user}_pass`, `${user}123`, `${user}_secret`];
}

/** The dictionary word whose hash matches, or null. */
export function dictionaryHit(user: string, hashes: string[]): string | null {
  for (const c of candidates(user)) if (hashes.includes(sha256(c))) return c;
  return null;
}

/** Shannon entropy in bits of the whole string (per-character frequency times length). */
export function entropyBits(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h * s.length;
}

export const MIN_LENGTH = 32;
/** 32 random characters from a 16-symbol alphabet give ~128 bits; the estimate of a random hex string of 32 is ~120. */
export const MIN_ENTROPY = 100;

/** Why a plaintext password is weak, or null. The password itself never goes in the text. */
export function weakness(user: string, pw: string): string | null {
  if (candidates(user).includes(pw)) return 'a common or default password';
  if (pw.length < MIN_LENGTH) return `${pw.length} characters (fewer than ${MIN_LENGTH})`;
  if (entropyBits(pw) < MIN_ENTROPY) return `low entropy (~${Math.round(entropyBits(pw))} bits estimated)`;
  return null;
}

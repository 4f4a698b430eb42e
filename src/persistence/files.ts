// Durable file writes: 0600, a temp name in the target directory, fsync,
// rename, then fsync of the directory so the rename itself survives a crash.

import fs from 'node:fs';
import { dirname } from 'node:path';

export function fsyncDir(path: string): void {
  let fd = -1;
  try {
    fd = fs.openSync(dirname(path), 'r');
    fs.fsyncSync(fd);
  } catch {
    // some filesystems refuse fsync on a directory; the rename is still atomic
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

/** Opens `tmp` for writing with mode 0600 (an old file of that name goes first: open() keeps an existing file's mode). */
export function openTemp(tmp: string): number {
  try {
    fs.unlinkSync(tmp);
  } catch {
    /* not there */
  }
  return fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
}

export function writeAll(fd: number, chunk: Buffer): void {
  let off = 0;
  while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off);
}

export function unlinkQuiet(path: string): void {
  try {
    fs.unlinkSync(path);
  } catch {
    /* already gone */
  }
}

/**
 * Crash-safe small-file writes: the new content goes to `<path>.tmp`, is fsynced, then
 * renamed over `path` and the directory fsynced, so a reader (or a restart after kill -9)
 * sees either the old file or the new one, never a torn mix. Kafka writes its checkpoint
 * files the same way (CheckpointFile.write). Removal is idempotent (unlinkQuietly), so
 * recovery can repeat a deletion a crash interrupted.
 */
import { chmodSync, closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** fsyncs a directory, so renames and creations in it are durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `path` with `data` atomically and durably; the file gets `mode` (0600 for secrets).
 * Errors: the fs error (ENOENT if the directory is missing, ENOSPC, …); `path` is then unchanged.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', mode);
  try {
    chmodSync(tmp, mode); // a leftover temp file keeps its old mode on open
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let written = 0;
    while (written < bytes.byteLength) written += writeSync(fd, bytes, written, bytes.byteLength - written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

/** Unlinks `path`; a file already gone is no error (other fs errors are not reported either). */
export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

/** Child processes and ports for benchmark runs. */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

export interface ProcResult {
  code: number | null;
  stdout: string;
  stderr: string;
  start: number;
  end: number;
}

/** Runs a command to completion; stdout to `stdoutFile` when given (not through this event loop). */
export function run(cmd: string, args: string[], input: Buffer | null, stdoutFile?: string): Promise<ProcResult> {
  return new Promise((resolve, reject) => {
    const out = stdoutFile ? openSync(stdoutFile, 'w') : 'pipe';
    const start = performance.timeOrigin + performance.now();
    const child = spawn(cmd, args, { stdio: ['pipe', out, 'pipe'] });
    if (typeof out === 'number') closeSync(out);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, start, end: performance.timeOrigin + performance.now() }));
    child.stdin!.on('error', () => {});
    child.stdin!.end(input ?? undefined);
  });
}

/** A free loopback TCP port, chosen below the ephemeral range (src/cluster/local-zookeeper.ts). */
export { freePort } from '../../src/cluster/local-zookeeper.js';

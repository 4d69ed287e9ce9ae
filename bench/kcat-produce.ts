/**
 * The produce side shared by the A/B produce benches (bench/idempotence.ts, bench/audit.ts):
 * kcat's stdin input of `records` lines (8-byte key, tab, 100-byte value) and one timed kcat
 * produce of it to partition 0 of topic `bench`.
 */
import { spawn } from 'node:child_process';

/** `records` lines of `key\tvalue\n`: 8-byte zero-padded keys, 100-byte values. */
export function makeInput(records: number): Buffer {
  const line = 8 + 1 + 100 + 1;
  const input = Buffer.alloc(records * line);
  for (let i = 0; i < records; i++) {
    const at = i * line;
    input.write(String(i).padStart(8, '0'), at, 'latin1');
    input[at + 8] = 0x09;
    for (let j = 0; j < 100; j++) input[at + 9 + j] = 0x61 + ((i + j) % 26);
    input[at + line - 1] = 0x0a;
  }
  return input;
}

/** kcat -P of `input` to `bench`/0 on `bootstrap` with `-X` settings `config` (linger.ms 5, 10,000-record batches); resolves the wall time, ms. */
export function kcatProduce(bootstrap: string, config: Record<string, string>, input: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const settings = { 'linger.ms': '5', 'batch.num.messages': '10000', 'queue.buffering.max.messages': '2000000', ...config };
    const args = ['-P', '-b', bootstrap, '-t', 'bench', '-p', '0', '-K', '\t', ...Object.entries(settings).flatMap(([k, v]) => ['-X', `${k}=${v}`])];
    const start = performance.now();
    const child = spawn('kcat', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - start) : reject(new Error(`kcat exited ${code}: ${stderr}`))));
    child.stdin.end(input);
  });
}

/** The median of `xs` (the upper one for an even count). */
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The A/B benches' options: `--records N` (1,000,000), `--runs N` (3), `--json FILE`. */
export function parseArgs(argv: string[]) {
  const args = { records: 1_000_000, runs: 3, json: null as string | null };
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (argv[i] === '--records' && next) args.records = Number(next);
    if (argv[i] === '--runs' && next) args.runs = Number(next);
    if (argv[i] === '--json' && next) args.json = next;
  }
  return args;
}

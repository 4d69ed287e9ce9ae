/**
 * Idle RSS of an empty broker (issue 12: target ≤ 64 MB), A/B between builds in one sitting:
 *
 *   node dist/bench/idle-rss.js [--build NAME=TREE]… [--runs 5] [--settle-ms 3000] [--no-gateway]
 *
 * Each `--build NAME=TREE` is a built checkout (its `bin/gregor.js` and `dist/`; default this
 * one, named `this`). Per run and build, alternating the order of the builds from run to run: a
 * fresh broker process (`gregor start`, loopback listener on a free port, empty log dir, the
 * WebSocket gateway on a free port unless `--no-gateway`), `--settle-ms` after its "broker
 * started" line, then its resident set from /proc/<pid>/status: VmRSS, and its anonymous
 * (V8 heap, malloc, stacks) and file-backed (the node binary, shared libraries) parts.
 * Medians per build, in MiB. A memory figure: the machine's load changes it little.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { residentMiB } from './e2e/proc-stats.js';
import { percentile } from './e2e/records.js';

const THIS_TREE = fileURLToPath(new URL('../../', import.meta.url));

interface Args {
  builds: Array<{ name: string; tree: string }>;
  runs: number;
  settleMs: number;
  gateway: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { builds: [], runs: 5, settleMs: 3000, gateway: true };
  for (let i = 0; i < argv.length; i++) {
    const next = () => argv[++i]!;
    switch (argv[i]) {
      case '--build': {
        const [name, tree] = next().split('=');
        a.builds.push({ name: name!, tree: resolve(tree!) });
        break;
      }
      case '--runs':
        a.runs = Number(next());
        break;
      case '--settle-ms':
        a.settleMs = Number(next());
        break;
      case '--no-gateway':
        a.gateway = false;
        break;
      default:
        throw new Error(`unknown option ${argv[i]}`);
    }
  }
  if (a.builds.length === 0) a.builds.push({ name: 'this', tree: THIS_TREE });
  return a;
}

/** Starts an empty broker of `tree`, waits for it to start and settle, reads its resident set, stops it (SIGTERM by PID). */
async function idleBroker(tree: string, settleMs: number, gateway: boolean): Promise<{ rss: number; anon: number; file: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-idle-'));
  const args = [join(tree, 'bin/gregor.js'), 'start', '--port', '0', '--ws-port', gateway ? '0' : '-1', '--log-dirs', dir, '-o', 'listeners=PLAINTEXT://127.0.0.1:0', '-o', 'gregor.websocket.host=127.0.0.1'];
  const child: ChildProcess = spawn(process.execPath, args, { env: { ...process.env, GREGOR_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  try {
    await new Promise<void>((started, failed) => {
      const timer = setTimeout(() => failed(new Error(`broker did not start within 30 s:\n${out}`)), 30_000);
      child.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('"msg":"broker started"')) {
          clearTimeout(timer);
          started();
        }
      });
      child.stderr!.on('data', (d) => (out += d));
      child.once('exit', (code) => {
        clearTimeout(timer);
        failed(new Error(`broker exited with ${code}:\n${out}`));
      });
    });
    await new Promise((r) => setTimeout(r, settleMs));
    return residentMiB(child.pid!);
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const samples = new Map(args.builds.map((b) => [b.name, [] as Array<{ rss: number; anon: number; file: number }>]));
  for (let run = 0; run < args.runs; run++) {
    const order = run % 2 === 0 ? args.builds : [...args.builds].reverse();
    for (const b of order) {
      const s = await idleBroker(b.tree, args.settleMs, args.gateway);
      samples.get(b.name)!.push(s);
      console.log(`run ${run + 1} ${b.name}: RSS ${s.rss.toFixed(1)} MiB (anon ${s.anon.toFixed(1)}, file ${s.file.toFixed(1)})`);
    }
  }
  console.log(`\nidle RSS of an empty broker, medians of ${args.runs}, gateway ${args.gateway ? 'on' : 'off'}, ${args.settleMs} ms after start:`);
  console.log('| build | RSS MiB | anon MiB | file MiB |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const b of args.builds) {
    const s = samples.get(b.name)!;
    const med = (k: 'rss' | 'anon' | 'file') => percentile(s.map((x) => x[k]).sort((x, y) => x - y), 50).toFixed(1);
    console.log(`| ${b.name} | ${med('rss')} | ${med('anon')} | ${med('file')} |`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

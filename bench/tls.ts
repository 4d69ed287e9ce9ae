/**
 * TLS cost benchmark (`npm run bench:tls`): workload W1 (8-byte keys, 100-byte values) through
 * kcat, produced (acks=1) and consumed back, over a PLAINTEXT and an SSL listener of the same
 * broker (its own process, `gregor start`), alternating which goes first in each run; the
 * broker is fresh per run. Reports the median records/s of `--runs` runs (default 5) per
 * listener and the SSL ÷ PLAINTEXT ratio of the medians (the security issue's target: ≥ 0.7).
 * Certificates (EC P-256, made with openssl at start) stay on loopback; every run checks the
 * records read back against the ones produced.
 *
 *   npm run bench:tls [-- --records 1000000 --runs 5 --json bench/results/tls.json]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { makeCertificates } from '../test/helpers/certificates.js';
import { KEY_BYTES, checksumLines, expectedChecksum, kcatInput } from './e2e/records.js';
import { startGregor } from './e2e/gregor-server.js';
import { run } from './e2e/process.js';

const VALUE_BYTES = 100;
const TOPIC = 'bench';

interface Args {
  records: number;
  runs: number;
  json: string | null;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { records: 1_000_000, runs: 5, json: null };
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (argv[i] === '--records' && next) args.records = Number(next);
    if (argv[i] === '--runs' && next) args.runs = Number(next);
    if (argv[i] === '--json' && next) args.json = next;
  }
  return args;
}

type Protocol = 'PLAINTEXT' | 'SSL';

interface Sample {
  protocol: Protocol;
  produceRecordsPerSec: number;
  consumeRecordsPerSec: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const work = mkdtempSync(join(tmpdir(), 'gregor-bench-tls-'));
  const certs = makeCertificates(work);
  const input = kcatInput(0, args.records, VALUE_BYTES);
  const expected = expectedChecksum(args.records, VALUE_BYTES);
  const clientArgs: Record<Protocol, string[]> = {
    PLAINTEXT: [],
    SSL: ['-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${certs.ca.certPath}`],
  };
  const samples: Sample[] = [];
  try {
    for (let r = 0; r < args.runs; r++) {
      const server = await startGregor('wasm', 0, TOPIC, 1, {
        listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0',
        ...certs.listenerProperties('SSL'),
      });
      try {
        const order: Protocol[] = r % 2 === 0 ? ['PLAINTEXT', 'SSL'] : ['SSL', 'PLAINTEXT'];
        for (const protocol of order) {
          const topic = `${TOPIC}-${protocol.toLowerCase()}`;
          const bootstrap = `127.0.0.1:${protocol === 'SSL' ? server.ports[1] : server.ports[0]}`;
          const produced = await run('kcat', ['-P', '-b', bootstrap, ...clientArgs[protocol], '-t', topic, '-p', '0', '-K', '\t', '-X', 'acks=1', '-X', 'linger.ms=5',
            '-X', 'batch.num.messages=10000', '-X', 'queue.buffering.max.messages=2000000'], input);
          if (produced.code !== 0) throw new Error(`kcat produce over ${protocol}: ${produced.stderr.slice(-2000)}`);
          const outFile = join(work, 'consumed');
          const consumed = await run('kcat', ['-C', '-b', bootstrap, ...clientArgs[protocol], '-t', topic, '-o', 'beginning', '-e', '-q', '-X', 'fetch.wait.max.ms=10', '-f', '%s\n'], null, outFile);
          if (consumed.code !== 0) throw new Error(`kcat consume over ${protocol}: ${consumed.stderr.slice(-2000)}`);
          const got = checksumLines(readFileSync(outFile));
          if (got !== expected) throw new Error(`${protocol}: read back ${got}, produced ${expected}`);
          const sample = {
            protocol,
            produceRecordsPerSec: args.records / ((produced.end - produced.start) / 1000),
            consumeRecordsPerSec: args.records / ((consumed.end - consumed.start) / 1000),
          };
          samples.push(sample);
          console.log(`run ${r + 1}/${args.runs} ${protocol}: produce ${Math.round(sample.produceRecordsPerSec)} rec/s, consume ${Math.round(sample.consumeRecordsPerSec)} rec/s`);
        }
      } finally {
        await server.stop();
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const mb = (rate: number) => +((rate * (KEY_BYTES + VALUE_BYTES)) / 1e6).toFixed(1);
  const of = (p: Protocol, k: 'produceRecordsPerSec' | 'consumeRecordsPerSec') => median(samples.filter((s) => s.protocol === p).map((s) => s[k]));
  const summary = (['PLAINTEXT', 'SSL'] as const).map((protocol) => ({
    protocol,
    produceRecordsPerSec: Math.round(of(protocol, 'produceRecordsPerSec')),
    produceMBPerSec: mb(of(protocol, 'produceRecordsPerSec')),
    consumeRecordsPerSec: Math.round(of(protocol, 'consumeRecordsPerSec')),
    consumeMBPerSec: mb(of(protocol, 'consumeRecordsPerSec')),
  }));
  const ratio = {
    produce: +(of('SSL', 'produceRecordsPerSec') / of('PLAINTEXT', 'produceRecordsPerSec')).toFixed(2),
    consume: +(of('SSL', 'consumeRecordsPerSec') / of('PLAINTEXT', 'consumeRecordsPerSec')).toFixed(2),
  };
  console.log(`\nW1 via kcat: ${args.records} records × ${VALUE_BYTES} B values + ${KEY_BYTES} B keys, acks=1, 1 partition, median of ${args.runs} runs`);
  console.table(summary);
  console.log(`SSL ÷ PLAINTEXT: produce ${ratio.produce}×, consume ${ratio.consume}× (target ≥ 0.7×)`);
  if (args.json) {
    mkdirSync(dirname(args.json), { recursive: true });
    writeFileSync(args.json, JSON.stringify({ date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, args, summary, ratio, runs: samples }, null, 2));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

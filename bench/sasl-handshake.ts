/**
 * SASL handshake cost (`npm run bench:sasl`): the time from TCP connect to a usable connection,
 * median of `--runs` connections (default 200) each, for
 *   - PLAINTEXT: connect + ApiVersions (the baseline),
 *   - SASL_PLAINTEXT with SCRAM-SHA-256 and SCRAM-SHA-512 (4096 and 16384 iterations):
 *     connect + ApiVersions + SaslHandshake + two SaslAuthenticate rounds, client proof and
 *     server-signature check included (Gregor's KafkaClient does the client side),
 *   - SASL_PLAINTEXT with PLAIN.
 * Broker and client share this process (one loopback, the client's PBKDF2 counts: that is
 * what a connecting client pays). Modes are interleaved per run so machine noise spreads evenly.
 *
 *   npm run bench:sasl [-- --runs 200 --json bench/results/sasl-handshake.json]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Broker } from '../src/broker.js';
import { KafkaClient } from '../src/network/kafka-client.js';
import { createLogger } from '../src/logger.js';
import type { ClientSecurity } from '../src/security/client-security.js';
import { credentialFromPassword } from '../src/security/sasl/scram-credential.js';
import { type ScramMechanism } from '../src/security/sasl/scram-mechanism.js';
import { setScramCredential } from '../test/helpers/scram-users.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const runs = argv.includes('--runs') ? Number(argv[argv.indexOf('--runs') + 1]) : 200;
  const json = argv.includes('--json') ? argv[argv.indexOf('--json') + 1]! : null;
  const dir = mkdtempSync(join(tmpdir(), 'gregor-bench-sasl-'));
  const broker = await Broker.start({
    logDirs: dir,
    logger: createLogger('silent'),
    properties: {
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      'sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_plain="plain-secret";',
      'gregor.websocket.port': -1,
    },
  });
  for (const m of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as ScramMechanism[]) {
    await setScramCredential(broker, 'u4096', m, credentialFromPassword(m, 'secret', 4096));
    await setScramCredential(broker, 'u16384', m, credentialFromPassword(m, 'secret', 16384));
  }
  const plaintext = `127.0.0.1:${broker.listeners[0]!.port}`;
  const sasl = `127.0.0.1:${broker.listeners[1]!.port}`;
  const modes: Array<{ name: string; bootstrap: string; security: ClientSecurity }> = [
    { name: 'PLAINTEXT connect+ApiVersions', bootstrap: plaintext, security: { tls: null, sasl: null } },
    { name: 'PLAIN', bootstrap: sasl, security: { tls: null, sasl: { mechanism: 'PLAIN', username: 'plain', password: 'plain-secret' } } },
  ];
  for (const m of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) {
    for (const i of [4096, 16384]) modes.push({ name: `${m} i=${i}`, bootstrap: sasl, security: { tls: null, sasl: { mechanism: m, username: `u${i}`, password: 'secret' } } });
  }
  const samples = new Map(modes.map((m) => [m.name, [] as number[]]));
  for (let r = 0; r < runs; r++) {
    for (const mode of modes) {
      const t0 = process.hrtime.bigint();
      const client = await KafkaClient.connect(mode.bootstrap, 10_000, mode.security);
      samples.get(mode.name)!.push(Number(process.hrtime.bigint() - t0) / 1e6);
      client.close();
    }
  }
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
  const base = median(samples.get(modes[0]!.name)!);
  const results = modes.map((m) => ({ mode: m.name, medianMs: Number(median(samples.get(m.name)!).toFixed(3)), vsPlaintext: Number((median(samples.get(m.name)!) / base).toFixed(2)) }));
  console.log(`SASL handshake, median of ${runs} connections (${cpus().length} cores, ${cpus()[0]?.model ?? ''})`);
  for (const r of results) console.log(`  ${r.mode.padEnd(32)} ${r.medianMs.toFixed(3).padStart(8)} ms   ${r.vsPlaintext.toFixed(2)}× baseline`);
  if (json) {
    mkdirSync(dirname(json), { recursive: true });
    writeFileSync(json, `${JSON.stringify({ runs, results }, null, 2)}\n`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

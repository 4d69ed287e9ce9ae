/**
 * A Gregor broker for one benchmark run, in its own process through the real CLI
 * (`bin/gregor.js start --engine E --workers N`), on loopback ports it picks (0), with a fresh
 * log dir; the bench topic is created with CreateTopics. Stopped with SIGTERM by PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KafkaClient } from '../../src/network/kafka-client.js';

const BIN = fileURLToPath(new URL('../../../bin/gregor.js', import.meta.url));

export interface GregorServer {
  pid: number;
  port: number;
  websocketPort: number;
  /** The port of each listener, in `listeners` order (the first is `port`). */
  ports: number[];
  stop(): Promise<void>;
}

/** Which build runs the broker and with which Node flags (bench/ingest-profile.ts: A/B of two builds, --cpu-prof). */
export interface GregorProcessOptions {
  /** `bin/gregor.js` of the build to run; default this repository's. */
  bin?: string;
  /** Node options before the script, e.g. `--cpu-prof`, `--trace-gc`, `--import FILE`. */
  nodeArgs?: string[];
  /** Working directory of the broker process (where --cpu-prof writes); default inherited. */
  cwd?: string;
  /** Extra environment variables of the broker process. */
  env?: Record<string, string>;
  /** Called with each chunk of the broker's stdout and stderr. */
  onOutput?: (chunk: string) => void;
}

/**
 * Starts a broker with `engine` and `workers`, and creates `topic` with `partitions` through
 * the first listener (PLAINTEXT unless `properties` set `listeners`); `properties` are broker
 * properties passed with `-o`.
 */
export async function startGregor(engine: 'js' | 'wasm', workers: number, topic: string, partitions: number, properties: Record<string, string> = {}, options: GregorProcessOptions = {}): Promise<GregorServer> {
  const props = { listeners: 'PLAINTEXT://127.0.0.1:0', 'gregor.websocket.host': '127.0.0.1', ...properties };
  const dir = mkdtempSync(join(tmpdir(), 'gregor-e2e-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), options.bin ?? BIN, 'start', '--port', '0', '--ws-port', '0', '--log-dirs', dir, '--engine', engine, '--workers', String(workers), ...Object.entries(props).flatMap(([k, v]) => ['-o', `${k}=${v}`])],
    { env: { ...process.env, GREGOR_LOG_LEVEL: 'info', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], cwd: options.cwd },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  if (options.onOutput) {
    child.stdout!.on('data', (d) => options.onOutput!(String(d)));
    child.stderr!.on('data', (d) => options.onOutput!(String(d)));
  }
  const exited = once(child, 'exit');
  const ports = await new Promise<{ port: number; websocketPort: number; ports: number[] }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker did not start within 20 s:\n${out}`)), 20_000);
    const check = () => {
      // The broker's pino line {"port":…,"websocketPort":…,"listenerPorts":[…],…,"msg":"broker started"}.
      const line = out.split('\n').slice(0, -1).find((l) => l.includes('"msg":"broker started"'));
      if (line) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        const started = JSON.parse(line) as { port: number; websocketPort: number; listenerPorts: number[] };
        resolve({ port: started.port, websocketPort: started.websocketPort, ports: started.listenerPorts });
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`broker exited with ${code} before starting:\n${out}`));
    });
  });
  await createTopic(ports.port, topic, partitions);
  return {
    pid: child.pid!,
    ...ports,
    stop: async () => {
      child.stdout!.removeAllListeners('data');
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates `topic` with `partitions` (replication 1) through CreateTopics on `port`. Errors: an Error with the topic's error code. */
export async function createTopic(port: number, topic: string, partitions: number): Promise<void> {
  const admin = await KafkaClient.connect(`127.0.0.1:${port}`);
  try {
    const { response } = await admin.request<{ topics: Array<{ errorCode: number; errorMessage: string | null }> }>(19, {
      topics: [{ name: topic, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    const err = response.topics[0]!;
    if (err.errorCode !== 0) throw new Error(`CreateTopics ${topic}: error ${err.errorCode} ${err.errorMessage ?? ''}`);
  } finally {
    admin.close();
  }
}

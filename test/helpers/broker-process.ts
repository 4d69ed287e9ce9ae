/**
 * Runs the broker as a separate process through the real CLI (`bin/gregor.js start`), learns
 * its port from the "broker started" log line, and stops it by PID (SIGTERM or SIGKILL).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** bin/gregor.js from test/helpers, or from dist/test/helpers when compiled (a bench imports it). */
const BIN = [fileURLToPath(new URL('../../bin/gregor.js', import.meta.url)), fileURLToPath(new URL('../../../bin/gregor.js', import.meta.url))].find((p) => existsSync(p))!;

export interface BrokerProcess {
  child: ChildProcess;
  port: number;
  /** The port of each listener, in `listeners` order (the first is `port`). */
  ports: number[];
  /** Everything the process wrote to stdout/stderr so far. */
  output: () => string;
  /** Sends `signal` and waits for the exit; returns the exit code or signal. */
  stop: (signal?: NodeJS.Signals) => Promise<number | string | null>;
}

/**
 * Starts `gregor start <args>`; `prefix` runs it through another program that execs it (e.g.
 * `['ip', 'netns', 'exec', ns]`: the broker then runs in that network namespace, same PID).
 */
export async function spawnBroker(args: string[], env: Record<string, string> = {}, prefix: readonly string[] = []): Promise<BrokerProcess> {
  const command = [...prefix, process.execPath, BIN, 'start', ...args];
  const child = spawn(command[0]!, command.slice(1), {
    env: { ...process.env, GREGOR_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = once(child, 'exit');
  const ports = await new Promise<number[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker did not start within 20 s:\n${out}`)), 20_000);
    const check = () => {
      const m = /"listenerPorts":\[([\d,]+)\][^\n]*"msg":"broker started"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!.split(',').map(Number));
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`broker exited with ${code} before starting:\n${out}`));
    });
  });
  return {
    child,
    port: ports[0]!,
    ports,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const [code, sig] = await exited;
      return code ?? sig;
    },
  };
}

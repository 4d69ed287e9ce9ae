/**
 * A KafkaJS 2.2.4 group consumer in its own process (test/fixtures/kafkajs-consumer.mjs:
 * commits after every batch), with its printed events parsed: the partitions of each
 * assignment and every batch it consumed. stop() sends SIGTERM (the child disconnects:
 * commits are already done, it leaves the group) and waits for the exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('../fixtures/kafkajs-consumer.mjs', import.meta.url));

export interface KafkaJsChild {
  child: ChildProcess;
  /** Partitions of the latest assignment (null before the first). */
  assignment: () => number[] | null;
  /** Every (partition, offset) consumed, in order. */
  consumed: Array<{ partition: number; offset: number }>;
  /** What the child wrote to stderr. */
  stderr: () => string;
  stop: () => Promise<void>;
}

export function startKafkaJsConsumer(bootstrap: string, groupId: string, topic: string, sessionTimeoutMs: number): KafkaJsChild {
  const child = spawn(process.execPath, [FIXTURE, bootstrap, groupId, topic, String(sessionTimeoutMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let assignment: number[] | null = null;
  const consumed: Array<{ partition: number; offset: number }> = [];
  let err = '';
  let buffered = '';
  child.stderr!.on('data', (d) => (err += d));
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const event = JSON.parse(line) as { event: string; partitions?: number[]; partition?: number; offsets?: number[] };
      if (event.event === 'assigned') assignment = [...event.partitions!].sort((a, b) => a - b);
      if (event.event === 'batch') for (const offset of event.offsets!) consumed.push({ partition: event.partition!, offset });
    }
  });
  const exited = once(child, 'exit');
  return {
    child,
    assignment: () => assignment,
    consumed,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

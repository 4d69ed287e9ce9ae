/**
 * What `npm run bench` runs: the scenarios of one repetition, full or quick.
 *
 * Gregor: workloads W1, W2 × 1 and 4 producers × acks 1 and all × clients kcat and Gregor's
 * WebSocket client × configurations engine js|wasm × workers 0|1|2; the topic has 4
 * partitions. Then, per configuration, a latency run: W1, one kcat producer, acks=1, paced at
 * half of the records/s that configuration reached in this repetition.
 * Peers: W1, W2 × 1 and 4 producers × their clients (ioredis, redis-lean, nats-js, nats-lean);
 * one stream each; acks do not apply (Redis answers after the AOF write, fsynced every
 * second; JetStream acknowledges once stored).
 * Quick mode (`--quick`): a few records, and a handful of scenarios that still take every
 * path (each client, workload, producer count, acks, engine and worker count at least once).
 */
import { WORKLOADS, type WorkloadName } from './records.js';

export type System = 'gregor' | 'redis' | 'nats';
export type Client = 'kcat' | 'websocket' | 'ioredis' | 'redis-lean' | 'nats-js' | 'nats-lean';
export type Acks = '1' | 'all' | '-';
export interface GregorConfig {
  engine: 'js' | 'wasm';
  workers: number;
}

export interface Scenario {
  kind: 'throughput' | 'latency';
  system: System;
  client: Client;
  /** `wasm/w2` (engine/workers) for Gregor, '-' for peers. */
  config: string;
  workload: WorkloadName;
  records: number;
  valueBytes: number;
  producers: number;
  acks: Acks;
}

export const GREGOR_CONFIGS: GregorConfig[] = (['wasm', 'js'] as const).flatMap((engine) => [0, 1, 2].map((workers) => ({ engine, workers })));
export const PEER_CLIENTS: Record<'redis' | 'nats', Client[]> = { redis: ['ioredis', 'redis-lean'], nats: ['nats-js', 'nats-lean'] };
export const GREGOR_PARTITIONS = 4;

export function configName(c: GregorConfig): string {
  return `${c.engine}/w${c.workers}`;
}

export function parseConfig(name: string): GregorConfig {
  const m = /^(js|wasm)\/w(\d)$/.exec(name);
  if (!m) throw new Error(`bad configuration ${name}`);
  return { engine: m[1] as 'js' | 'wasm', workers: Number(m[2]) };
}

/** Scenario key without the repetition: what medians are taken over. */
export function keyOf(s: Scenario): string {
  return `${s.kind} ${s.workload} p${s.producers} acks=${s.acks} ${s.system}/${s.client} ${s.config}`;
}

export interface PlanOptions {
  quick: boolean;
  peers: Array<'redis' | 'nats'>;
  /** Scale record counts (full mode: 1). */
  scale: number;
}

function workload(name: WorkloadName, options: PlanOptions): { workload: WorkloadName; records: number; valueBytes: number } {
  const w = WORKLOADS[name];
  const records = options.quick ? (name === 'W1' ? 20_000 : 4_000) : Math.max(1000, Math.round(w.records * options.scale));
  return { workload: name, records, valueBytes: w.valueBytes };
}

/** The throughput scenarios of one repetition (latency runs are added per repetition by the runner). */
export function plan(options: PlanOptions): Scenario[] {
  const out: Scenario[] = [];
  if (options.quick) {
    const quick: Array<[WorkloadName, number, Acks, Client, string]> = [
      ['W1', 1, '1', 'kcat', 'wasm/w0'],
      ['W1', 4, 'all', 'kcat', 'js/w1'],
      ['W2', 1, '1', 'websocket', 'wasm/w2'],
      ['W2', 4, 'all', 'websocket', 'js/w0'],
    ];
    for (const [w, producers, acks, client, config] of quick) out.push({ kind: 'throughput', system: 'gregor', client, config, producers, acks, ...workload(w, options) });
    for (const system of options.peers) for (const client of PEER_CLIENTS[system]) out.push({ kind: 'throughput', system, client, config: '-', producers: 1, acks: '-', ...workload('W1', options) });
    return out;
  }
  for (const w of ['W1', 'W2'] as const) {
    for (const producers of [1, 4]) {
      for (const acks of ['1', 'all'] as const) {
        for (const client of ['kcat', 'websocket'] as const) {
          for (const c of GREGOR_CONFIGS) out.push({ kind: 'throughput', system: 'gregor', client, config: configName(c), producers, acks, ...workload(w, options) });
        }
      }
      for (const system of options.peers) for (const client of PEER_CLIENTS[system]) out.push({ kind: 'throughput', system, client, config: '-', producers, acks: '-', ...workload(w, options) });
    }
  }
  return out;
}

/** The latency scenarios of one repetition: per configuration (quick: one). */
export function latencyPlan(options: PlanOptions): Scenario[] {
  const configs = options.quick ? ['wasm/w1'] : GREGOR_CONFIGS.map(configName);
  return configs.map((config) => ({ kind: 'latency', system: 'gregor', client: 'kcat', config, producers: 1, acks: '1', ...workload('W1', options) }));
}

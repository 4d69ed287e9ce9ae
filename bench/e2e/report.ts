/**
 * The end-to-end report: medians per scenario over the repetitions, the tables printed (and
 * kept as Markdown in the JSON, for the README), Gregor ÷ best-peer ratios with the issue's
 * targets, and an SVG bar chart of records/s per system and configuration (hand-written SVG).
 */
import type { RunResult } from './execute.js';
import { type Scenario, keyOf } from './scenarios.js';

export interface Measured {
  scenario: Scenario;
  rep: number;
  result: RunResult;
}

export interface SummaryRow extends Scenario, RunResult {
  runs: number;
}

function median(xs: number[]): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Medians of every figure per scenario key. */
export function summarize(measured: Measured[]): SummaryRow[] {
  const groups = new Map<string, Measured[]>();
  for (const m of measured) {
    const k = keyOf(m.scenario);
    groups.set(k, [...(groups.get(k) ?? []), m]);
  }
  return [...groups.values()].map((ms) => {
    const row = { ...ms[0]!.scenario, runs: ms.length } as SummaryRow;
    for (const field of Object.keys(ms[0]!.result) as Array<keyof RunResult>) row[field] = median(ms.map((m) => m.result[field]));
    return row;
  });
}

const int = (n: number) => (Number.isNaN(n) ? '—' : Math.round(n).toLocaleString('en-US'));
const fix = (n: number, d = 1) => (Number.isNaN(n) ? '—' : n.toFixed(d));

function table(headers: string[], rows: string[][]): string {
  const align = headers.map((_, i) => (i === 0 ? ' --- ' : ' ---: '));
  return [`| ${headers.join(' | ')} |`, `|${align.join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** The best peer row (highest produce records/s) for a workload and producer count. */
function bestPeer(rows: SummaryRow[], workload: string, producers: number, field: 'produceRecordsPerSec' | 'consumeRecordsPerSec'): SummaryRow | undefined {
  return rows.filter((r) => r.kind === 'throughput' && r.system !== 'gregor' && r.workload === workload && r.producers === producers).sort((a, b) => b[field] - a[field])[0];
}

function bestGregor(rows: SummaryRow[], workload: string, producers: number, field: 'produceRecordsPerSec' | 'consumeRecordsPerSec', acks?: string): SummaryRow | undefined {
  return rows
    .filter((r) => r.kind === 'throughput' && r.system === 'gregor' && r.workload === workload && r.producers === producers && (acks === undefined || r.acks === acks))
    .sort((a, b) => b[field] - a[field])[0];
}

export interface Report {
  markdown: string;
  targets: Array<{ target: string; measured: string; met: boolean | null }>;
}

/** Markdown tables and the targets' verdicts. */
export function render(rows: SummaryRow[]): Report {
  const parts: string[] = [];
  const throughput = rows.filter((r) => r.kind === 'throughput');
  const configs = [...new Set(throughput.filter((r) => r.system === 'gregor').map((r) => r.config))];

  // Gregor: records/s per configuration.
  const gregorKeys = [...new Set(throughput.filter((r) => r.system === 'gregor').map((r) => `${r.workload}|${r.producers}|${r.acks}|${r.client}`))];
  if (gregorKeys.length) {
    const body = gregorKeys.map((k) => {
      const [w, p, a, c] = k.split('|');
      const cells = configs.map((cfg) => {
        const r = throughput.find((x) => x.system === 'gregor' && `${x.workload}|${x.producers}|${x.acks}|${x.client}` === k && x.config === cfg);
        return r ? `${int(r.produceRecordsPerSec)} / ${int(r.consumeRecordsPerSec)}` : '—';
      });
      return [`${w}, ${p}p, acks=${a}, ${c}`, ...cells];
    });
    parts.push('Gregor, produce / consume records/s per configuration (engine/workers):\n\n' + table(['workload, producers, acks, client', ...configs], body));
  }

  // Every throughput row with the detail figures.
  const detail = throughput.map((r) => [
    `${r.workload}, ${r.producers}p, ${r.system === 'gregor' ? `acks=${r.acks}, ` : ''}${r.system}/${r.client}${r.system === 'gregor' ? ` ${r.config}` : ''}`,
    int(r.produceRecordsPerSec),
    fix(r.produceMBPerSec),
    `${fix(r.latencyP50Ms, 2)} / ${fix(r.latencyP99Ms, 2)} / ${fix(r.latencyP999Ms, 2)}`,
    int(r.consumeRecordsPerSec),
    `${fix(r.serverCpuProduceS, 2)} / ${fix(r.serverCpuConsumeS, 2)}`,
    fix(r.serverPeakRssMB, 0),
  ]);
  parts.push('Every run (medians): produce latency per request — kcat: ProduceRequest round trip; websocket: send() of 1,000; Redis: pipeline of 1,000; NATS: one publish\n\n' + table(['scenario', 'produce rec/s', 'MB/s', 'latency p50 / p99 / p999 ms', 'consume rec/s', 'server CPU s produce / consume', 'peak RSS MB'], detail));

  // Peers and ratios.
  const targets: Report['targets'] = [];
  const ratioRows: string[][] = [];
  for (const w of ['W1', 'W2']) {
    for (const p of [1, 4]) {
      for (const field of ['produceRecordsPerSec', 'consumeRecordsPerSec'] as const) {
        const peer = bestPeer(rows, w, p, field);
        const mine = bestGregor(rows, w, p, field);
        if (!peer || !mine) continue;
        const ratio = mine[field] / peer[field];
        ratioRows.push([`${w}, ${p}p, ${field === 'produceRecordsPerSec' ? 'produce' : 'consume'}`, `${int(mine[field])} (${mine.client} ${mine.config} acks=${mine.acks})`, `${int(peer[field])} (${peer.system}/${peer.client})`, `${ratio.toFixed(2)}×`]);
        if (w === 'W1' && p === 1) targets.push({ target: `W1 ${field === 'produceRecordsPerSec' ? 'produce' : 'consume'} ≥ 2× the best peer`, measured: `${ratio.toFixed(2)}× (${int(mine[field])} vs ${int(peer[field])} records/s)`, met: ratio >= 2 });
      }
    }
  }
  if (ratioRows.length) parts.push('Gregor (fastest configuration) ÷ best peer:\n\n' + table(['workload, producers', 'Gregor records/s', 'best peer records/s', 'ratio'], ratioRows));

  const latency = rows.filter((r) => r.kind === 'latency');
  if (latency.length) {
    parts.push(
      'Produce latency at half of the configuration\'s W1 throughput (one kcat producer, acks=1, paced; ProduceRequest round trips):\n\n' +
        table(
          ['configuration', 'paced records/s', 'p50 ms', 'p99 ms', 'p999 ms'],
          latency.map((r) => [r.config, int(r.pacedRecordsPerSec), fix(r.latencyP50Ms, 2), fix(r.latencyP99Ms, 2), fix(r.latencyP999Ms, 2)]),
        ),
    );
    const worst = latency.reduce((a, b) => (b.latencyP99Ms > a.latencyP99Ms ? b : a));
    targets.push({ target: 'p99 produce latency ≤ 5 ms at half of the maximum throughput (acks=1)', measured: `worst configuration ${worst.config}: ${fix(worst.latencyP99Ms, 2)} ms`, met: worst.latencyP99Ms <= 5 });
  }
  const w1 = throughput.filter((r) => r.system === 'gregor' && r.workload === 'W1' && r.producers === 1 && r.acks === '1' && r.client === 'kcat');
  if (w1.length) {
    const fastest = w1.reduce((a, b) => (b.produceRecordsPerSec > a.produceRecordsPerSec ? b : a));
    targets.push({ target: 'the default configuration (wasm/w0) is the fastest measured (W1, kcat, 1 producer, acks=1)', measured: `fastest: ${fastest.config}, ${int(fastest.produceRecordsPerSec)} records/s`, met: fastest.config === 'wasm/w0' });
  }
  if (targets.length) parts.push('Targets:\n\n' + table(['target', 'measured', 'met'], targets.map((t) => [t.target, t.measured, t.met === null ? '—' : t.met ? 'yes' : '**no**'])));
  return { markdown: parts.join('\n\n'), targets };
}

/**
 * SVG bar chart: W1, 1 producer — produce and consume records/s for each Gregor configuration
 * (kcat, acks=1) and each peer client.
 */
export function chart(rows: SummaryRow[], title: string): string {
  const bars = rows
    .filter((r) => r.kind === 'throughput' && r.workload === 'W1' && r.producers === 1 && (r.system !== 'gregor' || (r.client === 'kcat' && r.acks === '1')))
    .map((r) => ({ label: r.system === 'gregor' ? `Gregor ${r.config} (kcat)` : `${r.system === 'redis' ? 'Redis' : 'NATS'} (${r.client})`, produce: r.produceRecordsPerSec, consume: r.consumeRecordsPerSec }));
  const width = 760;
  const left = 190;
  const barH = 11;
  const rowH = 32;
  const top = 48;
  const height = top + bars.length * rowH + 40;
  const max = Math.max(1, ...bars.flatMap((b) => [b.produce, b.consume]));
  const scale = (width - left - 90) / max;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<rect x="${left}" y="30" width="10" height="10" fill="#2b6cb0"/><text x="${left + 14}" y="39">produce records/s</text>`,
    `<rect x="${left + 140}" y="30" width="10" height="10" fill="#dd6b20"/><text x="${left + 154}" y="39">consume records/s</text>`,
  ];
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    out.push(`<text x="${left - 6}" y="${y + barH + 4}" text-anchor="end">${esc(b.label)}</text>`);
    for (const [k, value, color] of [[0, b.produce, '#2b6cb0'], [1, b.consume, '#dd6b20']] as const) {
      const w = Number.isNaN(value) ? 0 : Math.max(1, value * scale);
      const yy = y + k * (barH + 1);
      out.push(`<rect x="${left}" y="${yy}" width="${w.toFixed(1)}" height="${barH}" fill="${color}"/>`);
      out.push(`<text x="${left + w + 4}" y="${yy + barH - 1}" font-size="10">${Number.isNaN(value) ? '—' : `${(value / 1e6).toFixed(2)} M`}</text>`);
    }
  });
  out.push(`<line x1="${left}" y1="${top - 4}" x2="${left}" y2="${height - 30}" stroke="#333"/>`);
  out.push(`<text x="${left}" y="${height - 10}" font-size="10" fill="#555">records/s (M = 10⁶), medians; W1 = 1,000,000 × 100-byte values with 8-byte keys, one producer, one consumer</text>`);
  out.push('</svg>');
  return out.join('\n');
}

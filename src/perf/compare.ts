/**
 * `--compare`: the same workload against two brokers, alternately (A, B, A, B, … `runs`
 * pairs), so drifting load on a shared machine affects both sides alike; each pair's ratio
 * B ÷ A of a rate (records/s) and the median of those ratios.
 */
export interface ComparePair<R> {
  run: number;
  a: R;
  b: R;
  /** rate(b) ÷ rate(a). */
  ratio: number;
}

export interface CompareResult<R> {
  pairs: Array<ComparePair<R>>;
  medianRatio: number;
}

/** The median of `values` (mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs `run('A', i)` then `run('B', i)` for i < `runs`; `onPair` sees each pair as it completes. */
export async function compareAlternately<R>(
  runs: number,
  run: (side: 'A' | 'B', index: number) => Promise<R>,
  rate: (r: R) => number,
  onPair: (pair: ComparePair<R>) => void = () => {},
): Promise<CompareResult<R>> {
  const pairs: Array<ComparePair<R>> = [];
  for (let i = 0; i < runs; i++) {
    const a = await run('A', i);
    const b = await run('B', i);
    const pair = { run: i + 1, a, b, ratio: rate(b) / rate(a) };
    pairs.push(pair);
    onPair(pair);
  }
  return { pairs, medianRatio: median(pairs.map((p) => p.ratio)) };
}

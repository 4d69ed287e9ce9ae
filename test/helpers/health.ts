/** `GET /health` on a broker's gateway port (src/gateway/http.ts): the HTTP status and the JSON body. */
export interface HealthAnswer {
  status: number;
  body: { status: string; nodeId: number; notInSync?: string[] };
}

/** Asks once; rejects when nothing answers (connection refused) within 2 s. */
export async function health(port: number): Promise<HealthAnswer> {
  const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2_000) });
  return { status: res.status, body: (await res.json()) as HealthAnswer['body'] };
}

/** Polls every 100 ms until the broker answers 200 (ready); bounded by `timeoutMs`. Returns every answer seen. */
export async function waitUntilReady(port: number, timeoutMs: number, what: string): Promise<HealthAnswer[]> {
  const seen: HealthAnswer[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const answer = await health(port);
      seen.push(answer);
      if (answer.status === 200) return seen;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} to be ready; last answers: ${JSON.stringify(seen.slice(-3))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

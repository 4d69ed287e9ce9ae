/**
 * REST Proxy v3 produce: one record per request (with its status), and the streaming mode —
 * a chunked request body of many records, read and produced as they arrive, answered by one
 * delivery report per record in order — from curl (`-H 'Transfer-Encoding: chunked'`) and a
 * Node request written in pieces. A bad record in a stream gets its own error report; a
 * broken stream ends with one. kcat reads what was written.
 */
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestBroker, startTestBroker } from '../helpers/in-process.js';
import { kcat } from '../helpers/kcat.js';

const run = promisify(execFile);

describe('REST proxy v3 produce', () => {
  let t: TestBroker;
  let base: string;
  let path: string;

  /** A chunked POST whose body is written in `pieces`, one per event-loop turn; resolves to the answer. */
  const chunkedPost = (url: string, pieces: string[]) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
      let i = 0;
      const next = () => {
        if (i === pieces.length) return void req.end();
        req.write(pieces[i++]);
        setTimeout(next, 2);
      };
      next();
    });

  beforeAll(async () => {
    t = await startTestBroker();
    base = `http://127.0.0.1:${t.broker.websocketPort}`;
    path = `/v3/clusters/${t.broker.clusterId}/topics/v3/records`;
    t.broker.logs.createTopic('v3', 2);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('one record per request: its delivery report, or its error status', async () => {
    const post = async (body: unknown, p = path) => {
      const res = await fetch(base + p, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const ok = await post({ partition_id: 1, key: { type: 'STRING', data: 'k' }, value: { type: 'JSON', data: { a: 1 } }, headers: [{ name: 'h', value: Buffer.from('x').toString('base64') }] });
    expect(ok).toMatchObject({ status: 200, body: { error_code: 200, cluster_id: t.broker.clusterId, topic_name: 'v3', partition_id: 1, offset: 0, key: { type: 'STRING', size: 1 }, value: { type: 'JSON', size: 7 } } });
    expect(await post({ partition_id: 5, value: { type: 'STRING', data: 'x' } })).toMatchObject({ status: 404 });
    expect(await post({ value: { type: 'AVRO', data: 'x' } })).toMatchObject({ status: 422, body: { error_code: 422 } });
    expect(await post({ value: { type: 'STRING', data: 'x' } }, '/v3/clusters/other/topics/v3/records')).toMatchObject({ status: 404, body: { error_code: 404 } });
    expect(await post({ value: { type: 'STRING', data: 'x' } }, `/v3/clusters/${t.broker.clusterId}/topics/none/records`)).toMatchObject({ status: 404 });
  });

  it('streaming: 2,000 records in a chunked body, split mid-record, answered one report each in order', async () => {
    const records = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ partition_id: 0, value: { type: 'STRING', data: `s-${i}` } }));
    const text = records.join('\n');
    const pieces: string[] = [];
    for (let at = 0; at < text.length; at += 997) pieces.push(text.slice(at, at + 997));
    const { status, text: answer } = await chunkedPost(base + path, pieces);
    expect(status).toBe(200);
    const reports = answer.trim().split('\n').map((l) => JSON.parse(l) as { error_code: number; offset: number; partition_id: number });
    expect(reports).toHaveLength(2000);
    expect(reports.every((r) => r.error_code === 200 && r.partition_id === 0)).toBe(true);
    expect(reports.map((r) => r.offset)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    const read = await kcat(['-b', t.bootstrap, '-C', '-t', 'v3', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%s\n']);
    expect(read.stdout.toString().trim().split('\n')).toEqual(Array.from({ length: 2000 }, (_, i) => `s-${i}`));
  });

  it('streaming from curl; a bad record gets its error and the stream goes on; a broken stream ends with one', async () => {
    const body = [
      JSON.stringify({ partition_id: 1, value: { type: 'STRING', data: 'c-0' } }),
      JSON.stringify({ partition_id: 1, value: { type: 'BINARY', data: 'not base64!' } }),
      JSON.stringify({ partition_id: 1, value: { type: 'STRING', data: 'c-2' } }),
    ].join('');
    const { stdout } = await run('curl', ['-sS', '-X', 'POST', '-H', 'Content-Type: application/json', '-H', 'Transfer-Encoding: chunked', '--data-binary', body, base + path]);
    const reports = stdout.trim().split('\n').map((l) => JSON.parse(l) as { error_code: number; message?: string });
    expect(reports.map((r) => r.error_code)).toEqual([200, 422, 200]);
    const broken = await chunkedPost(base + path, [JSON.stringify({ value: { type: 'STRING', data: 'ok' } }), 'garbage']);
    const lines = broken.text.trim().split('\n').map((l) => JSON.parse(l) as { error_code: number });
    expect(lines.map((l) => l.error_code)).toEqual([200, 422]);
  });
});

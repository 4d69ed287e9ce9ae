/**
 * freePort (src/cluster/local-zookeeper.ts), which tests, benchmarks and `npm run cluster` use
 * to pick a port for a server started later: below the kernel's ephemeral range (so an
 * outgoing connection cannot take it in between), distinct within a process, and bindable.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/cluster/local-zookeeper.js';

describe('freePort', () => {
  it('hands out distinct bindable ports below the ephemeral range', async () => {
    const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    const ports = [];
    for (let i = 0; i < 40; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(ports.length);
    if (ephemeralLow > 21_000) for (const port of ports) expect(port).toBeLessThan(ephemeralLow);
    for (const port of ports.slice(0, 5)) {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      });
      await new Promise((r) => server.close(r));
    }
  });
});

/**
 * test/helpers/netns.ts itself (root only; skipped otherwise): the faults it builds drop what
 * they should and heal restores the link, each fault is one `tc -batch` per namespace, and
 * close() leaves none of the run's namespaces or veths behind.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetnsNetwork, canUseNetns } from '../helpers/netns.js';

const PORT = 7070;
/** Whether a TCP connection from node `from` to `address`:PORT opens within 1 s (bash's /dev/tcp). */
const pings = (net: NetnsNetwork, from: string, address: string) => spawnSync(net.exec(from)[0]!, [...net.exec(from).slice(1), 'timeout', '1', 'bash', '-c', `exec 3<>/dev/tcp/${address}/${PORT}`]).status === 0;

describe.skipIf(!canUseNetns())('network namespaces for fault tests', () => {
  let net: NetnsNetwork;
  const listeners: ChildProcess[] = [];
  beforeAll(async () => {
    net = NetnsNetwork.create(['a', 'b', 'c']);
    // A TCP listener in each node (close() kills them with the namespaces).
    for (const n of ['a', 'b', 'c']) listeners.push(spawn(net.exec(n)[0]!, [...net.exec(n).slice(1), process.execPath, '-e', `require('net').createServer((s) => s.end()).listen(${PORT})`], { stdio: 'ignore' }));
    await new Promise((r) => setTimeout(r, 1000));
  });
  afterAll(() => {
    net?.close();
    for (const l of listeners) l.kill('SIGKILL');
  });

  it('isolate, isolateFrom and degrade drop what they name; heal restores it', () => {
    const [a, b, c] = ['a', 'b', 'c'].map((n) => net.address(n)) as [string, string, string];
    expect([pings(net, 'a', b), pings(net, 'a', c), pings(net, 'b', c)]).toEqual([true, true, true]);
    const timings: Record<string, number> = {};
    const timed = (what: string, f: () => void) => {
      const from = Date.now();
      f();
      timings[what] = Date.now() - from;
    };
    timed('isolate', () => net.isolate('a'));
    expect([pings(net, 'a', b), pings(net, 'b', a), pings(net, 'b', c)]).toEqual([false, false, true]);
    timed('heal', () => net.heal());
    expect([pings(net, 'a', b), pings(net, 'b', a)]).toEqual([true, true]);
    timed('isolateFrom', () => net.isolateFrom('a', ['b']));
    expect([pings(net, 'a', b), pings(net, 'a', c), pings(net, 'c', b)]).toEqual([false, true, true]);
    net.heal('a');
    expect(pings(net, 'a', b)).toBe(true);
    timed('degrade', () => net.degrade('c', { lossPct: 100 }));
    expect([pings(net, 'c', a), pings(net, 'a', b)]).toEqual([false, true]);
    net.heal('c');
    expect(pings(net, 'c', a)).toBe(true);
    console.log(`netns fault steps (ms): ${JSON.stringify(timings)}`);
  });

  it('close() removes every namespace and the root veth of the run', () => {
    const other = NetnsNetwork.create(['x']);
    const mine = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(other.prefix)).length + execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(other.prefix)).length;
    expect(mine()).toBeGreaterThan(0);
    other.close();
    expect(mine()).toBe(0);
  });
});

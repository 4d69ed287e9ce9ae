/**
 * A small L2 network of Linux network namespaces for Jepsen-style fault tests (root only;
 * Debian's iproute2: `ip netns`, veth pairs, a bridge, `tc` prio + u32 + netem):
 *
 *   root namespace (the test process) ── veth ──┐
 *   <prefix><name> (one per node)      ── veth ──┤ bridge `br0` in the switch namespace
 *
 * Every node namespace gets 10.231.N.(i+1)/24 (N picked per run, a /24 nobody on this host
 * uses); the test process gets 10.231.N.254 on its veth, so it reaches every node directly.
 * Processes are put into a node with `exec(name)` (`ip netns exec <ns>`, a command prefix).
 *
 * Faults are egress qdiscs (partitions: on the bridge ports only, so they are silent to the
 * endpoints' own TCP stacks; degradation: on both ends of a node's link), built from what
 * every kernel with CONFIG_NET_SCHED has (this machine class lacks sch_netem, sch_prio and
 * act_gact): an HTB root whose class 1:1 carries traffic
 * (rate-limited when degraded; netem delay below it where the kernel has netem) and whose
 * class 1:4 is a black hole (`pfifo limit 0`); u32 filters (by source) and a classic-BPF
 * filter (random loss) steer packets into the black hole. Drops are silent (no RST, no
 * ICMP), as in a real partition.
 *   - isolate(a): everything to and from `a` is dropped (the test process included);
 *   - isolateFrom(a, [b, …]): traffic between `a` and each `b` is dropped both ways
 *     (by source address, on each one's bridge port); the test process still reaches both;
 *   - degrade(a, {lossPct, rateKbit, delayMs, jitterMs}): on both directions of a's link;
 *   - heal(a?) undoes the faults of `a` (and the partitions others hold towards it), or all.
 * Each fault step is one `tc -batch` per namespace touched (a few hundred ms for a
 * 4-node network, where one `tc` process per rule took 1.5 to 2.5 s and blocked the test's
 * event loop as long). Names: `gr<pid><letter>-…` (≤ 15 characters), so a later run can tell a dead run's
 * leftovers (`cleanStaleNetns`) from a live one's. close() kills what still runs inside the
 * namespaces (by the PIDs `ip netns pids` lists: processes this run started there) and
 * deletes the namespaces and the root veth; it also runs on process exit.
 */
import { execFileSync } from 'node:child_process';

/** A degraded link, applied to each direction separately. */
export interface Degradation {
  /** Random loss, percent of packets (a classic-BPF filter on the kernel's PRNG). */
  lossPct?: number;
  /** Bandwidth, kbit/s (an HTB rate: queueing delay under load). */
  rateKbit?: number;
  /** Fixed delay ± jitter, ms: needs sch_netem in the kernel (`canDelay`). */
  delayMs?: number;
  jitterMs?: number;
}

/**
 * A classic BPF program (tc's `bytecode` form) matching `pct` % of packets at random:
 * `ld rand` (SKF_AD_OFF + SKF_AD_RANDOM), then below the threshold return -1 (match: the
 * filter's classid), else 0 (no match).
 */
function randomLoss(pct: number): string {
  const threshold = Math.round(Math.min(1, Math.max(0, pct / 100)) * 0xffffffff);
  return ['4', `32 0 0 ${0xfffff000 + 56}`, `53 1 0 ${threshold}`, `6 0 0 ${0xffffffff}`, '6 0 0 0'].join(',');
}

function run(args: string[], allowFailure = false): string {
  try {
    return execFileSync(args[0]!, args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  } catch (err) {
    if (allowFailure) return '';
    const e = err as { stderr?: string; message: string };
    throw new Error(`${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
  }
}

/**
 * Runs `lines` as one `tc -batch -` or `ip -batch -` process in namespace `ns` (one process
 * where a command each took ~50 ms). `force`: carry on past failing lines and ignore the
 * exit status (deletes of what may not exist); otherwise an Error naming the failed batch.
 */
function batch(tool: 'tc' | 'ip', ns: string, lines: readonly string[], force = false): void {
  if (lines.length === 0) return;
  const args = [tool, '-n', ns, ...(force ? ['-force'] : []), '-batch', '-'];
  try {
    execFileSync(args[0]!, args.slice(1), { input: `${lines.join('\n')}\n`, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], timeout: 20_000 });
  } catch (err) {
    if (force) return;
    const e = err as { stderr?: string; message: string };
    throw new Error(`${args.join(' ')} (${lines.length} lines) failed: ${e.stderr?.trim() || e.message}`);
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** True when this process can build namespaces: root, with `ip` and `tc` on PATH. */
export function canUseNetns(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  try {
    run(['ip', 'netns', 'list']);
    run(['tc', '-V']);
    return true;
  } catch {
    return false;
  }
}

const OWNED = /^gr(\d+)[a-z]-/;

/**
 * Removes the leftovers of runs whose process is dead (killed before close() ran):
 * namespaces named `gr<pid><letter>-…` (SIGKILLs the processes still inside, then deletes
 * them) and root-namespace veths of that name. Another live run's namespaces are left alone.
 */
export function cleanStaleNetns(): void {
  const stale = (name: string) => {
    const m = OWNED.exec(name);
    return m !== null && !alive(Number(m[1]));
  };
  for (const line of run(['ip', 'netns', 'list'], true).split('\n')) {
    const ns = line.split(' ')[0] ?? '';
    if (!stale(ns)) continue;
    for (const pid of run(['ip', 'netns', 'pids', ns], true).split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    run(['ip', 'netns', 'del', ns], true);
  }
  for (const line of run(['ip', '-o', 'link', 'show'], true).split('\n')) {
    const name = /^\d+: ([^:@]+)/.exec(line)?.[1];
    if (name && stale(name)) run(['ip', 'link', 'del', name], true);
  }
}

let runs = 0;

/** Picks N for 10.231.N.0/24 such that no address or route of the root namespace is in it. */
function freeSubnet(): number {
  const used = run(['ip', '-4', '-o', 'addr', 'show'], true) + run(['ip', '-4', 'route', 'show'], true);
  for (let i = 0; i < 250; i++) {
    const n = ((process.pid + i) % 250) + 2;
    if (!used.includes(`10.231.${n}.`)) return n;
  }
  throw new Error('no free 10.231.N.0/24 subnet on this host');
}

export class NetnsNetwork {
  private readonly blocked = new Map<string, Set<string>>();
  private readonly isolated = new Set<string>();
  private readonly degraded = new Map<string, Degradation>();
  private closed = false;
  /** Whether the kernel has sch_netem (Degradation.delayMs works). */
  canDelay = false;
  private readonly onExit = () => this.close();

  private constructor(
    /** The per-run name prefix, `gr<pid><letter>-`. */
    readonly prefix: string,
    /** The run's 10.231.N.0/24 (the `N`). */
    private readonly subnet: number,
    /** Node names in address order. */
    readonly names: readonly string[],
  ) {}

  /**
   * Builds the switch, one namespace per name in `names` (short: ≤ 3 characters, e.g. `zk`,
   * `b1`) and the root veth. Errors: an Error naming the failed `ip`/`tc` command (everything
   * made so far is removed first).
   */
  static create(names: readonly string[]): NetnsNetwork {
    for (const name of names) if (!/^[a-z0-9]{1,3}$/.test(name)) throw new Error(`node name ${name}: 1 to 3 of [a-z0-9]`);
    cleanStaleNetns();
    const prefix = `gr${process.pid}${String.fromCharCode(97 + (runs++ % 26))}-`;
    const net = new NetnsNetwork(prefix, freeSubnet(), names);
    process.on('exit', net.onExit);
    try {
      net.build();
    } catch (err) {
      net.close();
      throw err;
    }
    return net;
  }

  private get switchNs(): string {
    return `${this.prefix}sw`;
  }

  private get hostLink(): string {
    return `${this.prefix}h`;
  }

  /** The namespace (and interface) name of node `name`. */
  ns(name: string): string {
    if (!this.names.includes(name)) throw new Error(`no node ${name} in this network`);
    return `${this.prefix}${name}`;
  }

  /** Node `name`'s port on the bridge (an interface in the switch namespace). */
  private port(name: string): string {
    return `${this.ns(name)}s`;
  }

  /** Node `name`'s IPv4 address. */
  address(name: string): string {
    return `10.231.${this.subnet}.${this.names.indexOf(name) + 1}`;
  }

  /** The test process's address on the bridge. */
  get hostAddress(): string {
    return `10.231.${this.subnet}.254`;
  }

  /** The command prefix that runs a program inside node `name`'s namespace. */
  exec(name: string): string[] {
    return ['ip', 'netns', 'exec', this.ns(name)];
  }

  private build(): void {
    const sw = this.switchNs;
    run(['ip', 'netns', 'add', sw]);
    run(['ip', '-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
    run(['ip', '-n', sw, 'link', 'set', 'br0', 'up']);
    run(['ip', 'link', 'add', this.hostLink, 'type', 'veth', 'peer', 'name', `${this.hostLink}s`, 'netns', sw]);
    run(['ip', '-n', sw, 'link', 'set', `${this.hostLink}s`, 'master', 'br0', 'up']);
    run(['ip', 'addr', 'add', `${this.hostAddress}/24`, 'dev', this.hostLink]);
    run(['ip', 'link', 'set', this.hostLink, 'up']);
    run(['tc', 'qdisc', 'add', 'dev', this.hostLink, 'root', 'netem', 'delay', '0ms'], true);
    this.canDelay = run(['tc', 'qdisc', 'show', 'dev', this.hostLink], true).includes('netem');
    run(['tc', 'qdisc', 'del', 'dev', this.hostLink, 'root'], true);
    for (const name of this.names) run(['ip', 'netns', 'add', this.ns(name)]);
    // The veths are made from the switch namespace (one batch), then each node's end is set up in its own.
    batch('ip', sw, this.names.flatMap((name) => [
      `link add ${this.port(name)} type veth peer name ${this.ns(name)} netns ${this.ns(name)}`,
      `link set ${this.port(name)} master br0 up`,
    ]));
    for (const name of this.names) {
      const ns = this.ns(name);
      batch('ip', ns, [`addr add ${this.address(name)}/24 dev ${ns}`, `link set ${ns} up`, 'link set lo up']);
    }
    this.applyAll(this.names);
  }

  /**
   * The `tc` commands (batch lines) that rebuild the qdiscs of one end of node `name`'s link
   * (null: the root veth's bridge port) from the fault state: `del` (may fail: nothing there
   * yet) and `add`. Partitions drop in the switch only (the bridge port's egress, by source
   * address), so no endpoint's own stack sees a local drop (a drop on a host's own interface
   * is reported to its TCP, which then fails the connection within seconds: not silent).
   * Degradation applies to both ends (the node's interface and its bridge port).
   */
  private qdiscCommands(name: string | null, switchSide: boolean): { del: string; add: string[] } {
    const dev = !switchSide ? this.ns(name!) : name === null ? `${this.hostLink}s` : this.port(name);
    const d = name === null ? undefined : this.degraded.get(name);
    const add: string[] = [];
    // HTB: class 1:1 carries traffic (rate-limited when degraded), class 1:4 is a black
    // hole (a FIFO of length 0 drops whatever is queued to it).
    const rate = d?.rateKbit ? `${d.rateKbit}kbit` : '10gbit';
    add.push(`qdisc add dev ${dev} root handle 1: htb default 1`);
    add.push(`class add dev ${dev} parent 1: classid 1:1 htb rate ${rate} ceil ${rate} quantum ${d?.rateKbit ? 1514 : 60000}`);
    add.push(`class add dev ${dev} parent 1: classid 1:4 htb rate 10gbit quantum 60000`);
    add.push(`qdisc add dev ${dev} parent 1:4 handle 40: pfifo limit 0`);
    if (d?.delayMs) add.push(`qdisc add dev ${dev} parent 1:1 handle 10: netem limit 10000 delay ${d.delayMs}ms ${d.jitterMs ?? 0}ms`);
    const toBlackHole = (prio: number, protocol: string, match: string) => add.push(`filter add dev ${dev} parent 1: protocol ${protocol} prio ${prio} ${match} classid 1:4`);
    if (switchSide) {
      if (name !== null && this.isolated.has(name)) toBlackHole(1, 'all', 'u32 match u32 0 0');
      const sources = new Set([...this.isolated].filter((n) => n !== name));
      if (name !== null) for (const peer of this.blocked.get(name) ?? []) sources.add(peer);
      for (const source of sources) toBlackHole(2, 'ip', `u32 match ip src ${this.address(source)}/32`);
    }
    if (d?.lossPct) toBlackHole(3, 'all', `bpf bytecode "${randomLoss(d.lossPct)}"`);
    return { del: `qdisc del dev ${dev} root`, add };
  }

  /**
   * Rebuilds every bridge port's qdiscs (a partition involves other nodes' ports) and those of
   * the node-side ends of `nodeSides` (only degradation lives there), from the fault state: one
   * `tc -batch` per namespace touched.
   */
  private applyAll(nodeSides: readonly string[] = []): void {
    const ports = [null, ...this.names].map((n) => this.qdiscCommands(n, true));
    batch('tc', this.switchNs, ports.map((c) => c.del), true);
    batch('tc', this.switchNs, ports.flatMap((c) => c.add));
    for (const name of nodeSides) {
      const c = this.qdiscCommands(name, false);
      batch('tc', this.ns(name), [c.del], true);
      batch('tc', this.ns(name), c.add);
    }
  }

  /** Full partition: every packet to or from node `name` is dropped, silently. */
  isolate(name: string): void {
    this.isolated.add(name);
    this.applyAll();
  }

  /** Partial partition: traffic between node `name` and each of `peers` is dropped both ways. */
  isolateFrom(name: string, peers: readonly string[]): void {
    for (const [a, b] of peers.flatMap((p) => [[name, p], [p, name]] as const)) {
      if (!this.blocked.has(a)) this.blocked.set(a, new Set());
      this.blocked.get(a)!.add(b);
    }
    this.applyAll();
  }

  /** netem delay (± jitter, ms) and loss (%) on both directions of node `name`'s link. */
  degrade(name: string, degradation: Degradation): void {
    this.degraded.set(name, degradation);
    this.applyAll([name]);
  }

  /** Undoes the faults on node `name` and the partitions others hold towards it (no name: all). */
  heal(name?: string): void {
    const targets = name === undefined ? this.names : [name];
    const wereDegraded = targets.filter((t) => this.degraded.has(t));
    for (const t of targets) {
      this.isolated.delete(t);
      this.degraded.delete(t);
      this.blocked.delete(t);
      for (const peers of this.blocked.values()) peers.delete(t);
    }
    this.applyAll(wereDegraded);
  }

  /** Kills what still runs in the namespaces (SIGKILL), deletes them and the root veth. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    process.off('exit', this.onExit);
    for (const ns of [...this.names.map((n) => `${this.prefix}${n}`), this.switchNs]) {
      for (const pid of run(['ip', 'netns', 'pids', ns], true).split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      run(['ip', 'netns', 'del', ns], true);
    }
    run(['ip', 'link', 'del', this.hostLink], true);
  }
}

/**
 * Cuts node `name`'s link in one step (tens of ms, where rebuilding the qdiscs takes a few hundred):
 * its bridge port goes to the `disabled` STP state (`bridge link set … state 0`), so the
 * bridge drops every frame to and from it (the test process's too) while the node's own
 * interface keeps its carrier: silent, as a partition. For flapping links. Undo with
 * `restoreLink`; independent of the qdisc faults (isolate/heal do not touch it).
 */
export function cutLink(net: NetnsNetwork, name: string): void {
  run(['bridge', '-n', `${net.prefix}sw`, 'link', 'set', 'dev', `${net.ns(name)}s`, 'state', '0']);
}

/** Undoes `cutLink`: node `name`'s bridge port forwards again (STP state 3). */
export function restoreLink(net: NetnsNetwork, name: string): void {
  run(['bridge', '-n', `${net.prefix}sw`, 'link', 'set', 'dev', `${net.ns(name)}s`, 'state', '3']);
}

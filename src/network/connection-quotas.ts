/**
 * Connection limits (Kafka SocketServer's ConnectionQuotas; KIP-402): `max.connections.per.ip`
 * (with `max.connections.per.ip.overrides`), `listener.name.<l>.max.connections` per listener,
 * and `max.connections` over every listener but the inter-broker one, which the broker-wide
 * limit must never starve of replication connections. A connection over a limit is closed as
 * soon as it is accepted, before anything is read from it (Kafka closes one over the per-IP
 * limit the same way, and holds one over the listener or broker limit in the accept queue).
 *
 *   const quotas = new ConnectionQuotas(limits);
 *   const refused = quotas.admit('PLAINTEXT', '127.0.0.1');  // null: admitted
 *   quotas.release('PLAINTEXT', '127.0.0.1');                // when it closes
 */

export interface ConnectionLimits {
  maxConnections: number;
  maxConnectionsPerIp: number;
  /** Per-IP limits replacing `maxConnectionsPerIp` for these addresses. */
  maxConnectionsPerIpOverrides: Readonly<Record<string, number>>;
  /** A listener's own `listener.name.<l>.max.connections` (Infinity when unset). */
  listenerMaxConnections(listenerName: string): number;
  /** The inter-broker listener, exempt from `max.connections`. */
  interBrokerListener: string;
}

export class ConnectionQuotas {
  private total = 0;
  private readonly perIp = new Map<string, number>();
  private readonly perListener = new Map<string, number>();

  constructor(private readonly limits: ConnectionLimits) {}

  /**
   * Takes a slot for a new connection from `ip` on `listenerName`. Returns null when admitted
   * (the caller releases the slot when it closes), else why it is refused (Kafka's
   * TooManyConnectionsException message).
   */
  admit(listenerName: string, ip: string): string | null {
    const { limits } = this;
    const ipLimit = limits.maxConnectionsPerIpOverrides[ip] ?? limits.maxConnectionsPerIp;
    const fromIp = this.perIp.get(ip) ?? 0;
    if (fromIp >= ipLimit) return `too many connections from ${ip} (max.connections.per.ip: ${ipLimit})`;
    const onListener = this.perListener.get(listenerName) ?? 0;
    const listenerLimit = limits.listenerMaxConnections(listenerName);
    if (onListener >= listenerLimit) return `too many connections on listener ${listenerName} (max.connections: ${listenerLimit})`;
    const counted = listenerName !== limits.interBrokerListener;
    if (counted && this.total >= limits.maxConnections) return `too many connections to the broker (max.connections: ${limits.maxConnections})`;
    this.perIp.set(ip, fromIp + 1);
    this.perListener.set(listenerName, onListener + 1);
    if (counted) this.total++;
    return null;
  }

  /** Gives back the slot `admit` took. */
  release(listenerName: string, ip: string): void {
    const fromIp = (this.perIp.get(ip) ?? 1) - 1;
    if (fromIp > 0) this.perIp.set(ip, fromIp);
    else this.perIp.delete(ip);
    this.perListener.set(listenerName, (this.perListener.get(listenerName) ?? 1) - 1);
    if (listenerName !== this.limits.interBrokerListener) this.total--;
  }

  /** Connections held now (all listeners, the inter-broker one included). */
  get count(): number {
    let n = 0;
    for (const c of this.perListener.values()) n += c;
    return n;
  }
}

/**
 * The REST proxy's consumer instances by group and name, with their expiry: an instance
 * without a request for `consumer.instance.timeout.ms` (`gregor.rest.consumer.instance.timeout.ms`,
 * default 300000, as Confluent's) is closed. Lookups check the owner: another principal gets
 * the same 40403 as for an instance that does not exist.
 */
import { type KafkaPrincipal, samePrincipal } from '../../security/principal.js';
import { RestError } from '../rest-error.js';
import type { RestConsumerInstance } from './consumer-instance.js';

const id = (group: string, name: string) => `${group}\u0000${name}`;

export class ConsumerRegistry {
  private readonly instances = new Map<string, RestConsumerInstance>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly timeoutMs: number) {
    this.sweeper = setInterval(() => this.expire(), Math.min(timeoutMs, 10_000));
    this.sweeper.unref();
  }

  get size(): number {
    return this.instances.size;
  }

  has(group: string, name: string): boolean {
    return this.instances.has(id(group, name));
  }

  add(instance: RestConsumerInstance): void {
    this.instances.set(id(instance.config.group, instance.config.name), instance);
  }

  /** The instance, touched; RestError 40403 when absent or owned by another principal. */
  get(group: string, name: string, principal: KafkaPrincipal): RestConsumerInstance {
    const instance = this.instances.get(id(group, name));
    if (!instance || !samePrincipal(instance.config.owner, principal)) throw new RestError(404, 40403, 'Consumer instance not found.');
    instance.lastUsedMs = Date.now();
    return instance;
  }

  /** Closes and forgets an instance (delete, expiry). */
  async remove(instance: RestConsumerInstance): Promise<void> {
    this.instances.delete(id(instance.config.group, instance.config.name));
    await instance.close();
  }

  private expire(): void {
    const now = Date.now();
    for (const instance of [...this.instances.values()]) {
      if (now - instance.lastUsedMs >= this.timeoutMs) void this.remove(instance);
    }
  }

  /** Closes every instance (broker shutdown). */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.instances.values()].map((i) => this.remove(i)));
  }
}

/**
 * Client quotas (KIP-13 byte rates, KIP-55 user quotas, KIP-124 request_percentage):
 * `producer_byte_rate` (Produce request bytes per second), `consumer_byte_rate` (Fetch
 * response bytes per second) and `request_percentage` (handler time, as a percentage of one
 * thread, per second) for a user and/or client id. The quota that applies is the first entity,
 * in Kafka's order, whose config sets it:
 *
 *   users/<u>/clients/<c>, users/<u>/clients/<default>, users/<u>,
 *   users/<default>/clients/<c>, users/<default>/clients/<default>, users/<default>,
 *   clients/<c>, clients/<default>
 *
 * Usage is counted per (user, client id) as far as the matched entity names them, so every
 * client of a user shares a `users/<u>` quota (Kafka's quota metric tags). Rates use
 * `quota.window.num` windows of `quota.window.size.seconds`; the throttle time is Kafka's
 * (over-quota amount / quota × window). The connection puts it into the response and then
 * reads nothing for that long (KIP-219).
 */
import type { AuthSession } from '../auth-session.js';
import type { RequestQuotas } from './request-quotas.js';
import { DEFAULT_ENTITY, type EntityConfigStore, entityPath } from '../entity-config/entity-config-store.js';
import { RateSensor, throttleTimeMs } from './rate-sensor.js';

export const PRODUCER_BYTE_RATE = 'producer_byte_rate';
export const CONSUMER_BYTE_RATE = 'consumer_byte_rate';
export const REQUEST_PERCENTAGE = 'request_percentage';

/** The quota keys and whether their value must be a whole number (Kafka's LONG vs DOUBLE configs). */
export const QUOTA_KEYS: ReadonlyMap<string, { integer: boolean }> = new Map([
  [PRODUCER_BYTE_RATE, { integer: true }],
  [CONSUMER_BYTE_RATE, { integer: true }],
  [REQUEST_PERCENTAGE, { integer: false }],
]);

const PRODUCE = 0;
const FETCH = 1;
/** Not counted against request_percentage (Kafka exempts these and cluster actions). */
const REQUEST_QUOTA_EXEMPT = new Set([7 /* ControlledShutdown */, 17 /* SaslHandshake */, 18 /* ApiVersions */, 36 /* SaslAuthenticate */]);
/** Sensors unused this long are dropped (Kafka's quota sensors expire after an hour). */
const SENSOR_IDLE_MS = 60 * 60 * 1000;

export interface QuotaWindow {
  /** `quota.window.num` (Kafka: 11) */
  samples: number;
  /** `quota.window.size.seconds` × 1000 (Kafka: 1000) */
  windowMs: number;
}

export class ClientQuotaManager implements RequestQuotas {
  private readonly sensors = new Map<string, RateSensor>();
  /** Whether any entity sets any quota (the fast path skips everything otherwise). */
  private anyQuota = false;
  private lastSweepMs = 0;

  constructor(
    private readonly store: EntityConfigStore,
    private readonly window: QuotaWindow,
  ) {
    this.refresh();
    store.onChange(() => this.refresh());
  }

  private refresh(): void {
    this.anyQuota = false;
    for (const config of this.store.all().values()) {
      for (const key of QUOTA_KEYS.keys()) if (config[key] !== undefined) this.anyQuota = true;
    }
  }

  /**
   * The quota `key` that applies to `user` with `clientId`, and the usage it is counted on
   * (`user`/`clientId` as the matched entity names them, '' where it does not); null: none.
   */
  quotaFor(user: string, clientId: string, key: string): { bound: number; sensorUser: string; sensorClient: string } | null {
    const candidates: Array<[string | undefined, string | undefined, boolean, boolean]> = [
      [user, clientId, true, true],
      [user, DEFAULT_ENTITY, true, true],
      [user, undefined, true, false],
      [DEFAULT_ENTITY, clientId, true, true],
      [DEFAULT_ENTITY, DEFAULT_ENTITY, true, true],
      [DEFAULT_ENTITY, undefined, true, false],
      [undefined, clientId, false, true],
      [undefined, DEFAULT_ENTITY, false, true],
    ];
    for (const [u, c, byUser, byClient] of candidates) {
      const value = this.store.get(entityPath({ user: u, clientId: c }))[key];
      if (value === undefined) continue;
      const bound = Number(value);
      if (!(bound > 0)) continue;
      return { bound, sensorUser: byUser ? user : '', sensorClient: byClient ? clientId : '' };
    }
    return null;
  }

  /**
   * Records `value` against quota `key` for the session's user and `clientId`; returns the
   * throttle time in ms (0 within quota or without one).
   */
  recordUsage(user: string, clientId: string, key: string, value: number, nowMs: number): number {
    const quota = this.quotaFor(user, clientId, key);
    if (!quota) return 0;
    const id = `${key}\u0000${quota.sensorUser}\u0000${quota.sensorClient}`;
    let sensor = this.sensors.get(id);
    if (!sensor) {
      sensor = new RateSensor(this.window.samples, this.window.windowMs);
      this.sensors.set(id, sensor);
    }
    const rate = sensor.record(value, nowMs);
    return throttleTimeMs(rate, quota.bound, sensor.windowSizeMs(nowMs));
  }

  /** RequestQuotas: the largest throttle of the quotas this request counts against. */
  record(session: AuthSession, clientId: string, apiKey: number, requestBytes: number, responseBytes: number, handlerTimeMs: number, nowMs: number): number {
    if (!this.anyQuota) return 0;
    this.sweep(nowMs);
    const user = session.principal.name;
    let throttle = 0;
    if (apiKey === PRODUCE) throttle = this.recordUsage(user, clientId, PRODUCER_BYTE_RATE, requestBytes, nowMs);
    else if (apiKey === FETCH) throttle = this.recordUsage(user, clientId, CONSUMER_BYTE_RATE, responseBytes, nowMs);
    if (!REQUEST_QUOTA_EXEMPT.has(apiKey)) {
      // Handler time as percentage-seconds of one thread: its rate per second is the percentage.
      throttle = Math.max(throttle, this.recordUsage(user, clientId, REQUEST_PERCENTAGE, handlerTimeMs / 10, nowMs));
    }
    return throttle;
  }

  /**
   * The most a Fetch may return now under `consumer_byte_rate` (Kafka caps fetch max bytes at
   * quota × (samples − 1) × window); Infinity without a quota.
   */
  maxFetchBytes(session: AuthSession, clientId: string): number {
    if (!this.anyQuota) return Infinity;
    const quota = this.quotaFor(session.principal.name, clientId, CONSUMER_BYTE_RATE);
    if (!quota) return Infinity;
    return Math.floor(quota.bound * (this.window.samples - 1) * (this.window.windowMs / 1000));
  }

  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < 60_000) return;
    this.lastSweepMs = nowMs;
    for (const [id, sensor] of this.sensors) if (nowMs - sensor.lastRecordMs > SENSOR_IDLE_MS) this.sensors.delete(id);
  }
}

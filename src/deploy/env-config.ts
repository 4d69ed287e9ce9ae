/**
 * Broker properties from a container's environment (`gregor start --from-env`), as Confluent's
 * Kafka images read `KAFKA_*` variables, plus what a StatefulSet pod knows about itself:
 *
 *   GREGOR_<PROPERTY>=value      a Kafka property: the name lower-cased, `_` → `.`, `__` → `_`,
 *                                `___` → `-` (GREGOR_LOG_DIRS → log.dirs,
 *                                GREGOR_LISTENER_NAME_SASL__SSL_SCRAM___SHA___256_SASL_JAAS_CONFIG
 *                                → listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config)
 *   GREGOR_<PROPERTY>_FILE=path  the property's value is the file's text (one trailing newline
 *                                dropped): Secrets mounted as files (passwords, JAAS configs)
 *   HOSTNAME=<statefulset>-<N>   the pod's name: `node.id` (and `broker.id`) = N, the ordinal
 *   GREGOR_RACK_FILE=path        `broker.rack` from the file's text (the zone an init container
 *                                read from the node's topology.kubernetes.io/zone label)
 *
 * In every value `${HOSTNAME}`, `${ORDINAL}` and `${NODE_ID}` are replaced by the pod's own
 * (GREGOR_ADVERTISED_LISTENERS=PLAINTEXT://${HOSTNAME}.gregor-headless:9092 gives each pod its
 * own `advertised.listeners`); any other `${…}` is left as written.
 * Not properties: GREGOR_LOG_LEVEL, GREGOR_CORE_WASM, GREGOR_APPEND_WORKER (read elsewhere).
 *
 * Refused, with an {@link EnvConfigError} naming the variable: a name that maps to no broker
 * property (config/broker-config.ts knownKeys, or a TLS/SASL key), an invalid value (the
 * broker's own ConfigError), a HOSTNAME without a valid ordinal when no id is given, an id
 * that contradicts the ordinal or the other id, an unreadable file.
 * Source: Confluent's docker images, "Configure Kafka with environment variables"; Kubernetes
 * docs, StatefulSet "Pod Identity" (ordinal index, stable network id).
 */
import { readFileSync } from 'node:fs';
import { ConfigError, applyProperties, defaultConfig, knownKeys } from '../config/broker-config.js';
import { isSecurityKey } from '../config/security-keys.js';

export const ENV_PREFIX = 'GREGOR_';

/** GREGOR_ variables that are not broker properties. */
export const NON_PROPERTY_VARIABLES: ReadonlySet<string> = new Set(['GREGOR_LOG_LEVEL', 'GREGOR_CORE_WASM', 'GREGOR_APPEND_WORKER', 'GREGOR_RACK_FILE']);

/** An environment that cannot configure a broker; the message is one line naming the variable. */
export class EnvConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvConfigError';
  }
}

/**
 * The property name of variable `name` (without checking that the property exists):
 * GREGOR_LOG_RETENTION_MS → log.retention.ms. Errors: EnvConfigError for a name without the
 * prefix, empty after it, with lower-case letters, or with four or more underscores in a row.
 */
export function propertyName(name: string): string {
  if (!name.startsWith(ENV_PREFIX) || name.length === ENV_PREFIX.length) throw new EnvConfigError(`${name}: not a GREGOR_<PROPERTY> variable`);
  const rest = name.slice(ENV_PREFIX.length);
  if (!/^[A-Z0-9_]+$/.test(rest)) throw new EnvConfigError(`${name}: only upper-case letters, digits and underscores may follow GREGOR_`);
  if (/^_|_$/.test(rest) || /____/.test(rest)) throw new EnvConfigError(`${name}: underscores must separate words (_ is ".", __ is "_", ___ is "-")`);
  return rest.toLowerCase().replace(/_{1,3}/g, (run) => (run.length === 1 ? '.' : run.length === 2 ? '_' : '-'));
}

/** The variable that sets `property` (the inverse of {@link propertyName}): log.dirs → GREGOR_LOG_DIRS. */
export function variableName(property: string): string {
  return ENV_PREFIX + property.replace(/[._-]/g, (c) => (c === '.' ? '_' : c === '_' ? '__' : '___')).toUpperCase();
}

function isProperty(property: string): boolean {
  return knownKeys().includes(property) || isSecurityKey(property);
}

/**
 * The StatefulSet ordinal at the end of a pod name (`gregor-2` → 2); null when the name has no
 * `-<digits>` suffix. Errors: EnvConfigError for a suffix Kubernetes never makes (a leading
 * zero) or beyond a node id's range (0 … 2^31-1).
 */
export function ordinalOf(hostname: string): number | null {
  const m = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?-(\d+)$/.exec(hostname);
  if (!m) return null;
  const digits = m[2]!;
  if (digits.length > 1 && digits.startsWith('0')) throw new EnvConfigError(`HOSTNAME=${hostname}: "${digits}" is not a StatefulSet ordinal (leading zero)`);
  const n = Number(digits);
  if (!Number.isSafeInteger(n) || n > 2_147_483_647) throw new EnvConfigError(`HOSTNAME=${hostname}: ordinal ${digits} is beyond a node id's range (0 … 2147483647)`);
  return n;
}

function readValueFile(variable: string, path: string, readText: (path: string) => string): string {
  try {
    return readText(path).replace(/\r?\n$/, '');
  } catch (err) {
    throw new EnvConfigError(`${variable}=${path}: cannot read the file: ${(err as Error).message}`);
  }
}

/**
 * Broker properties (Kafka names → string values) from `env`, the ordinal and the rack file
 * applied; `readText` reads the `_FILE` and rack files (default: fs, UTF-8). Every value is
 * checked as the broker would check it. Errors: EnvConfigError (see the module comment).
 */
export function propertiesFromEnvironment(env: Readonly<Record<string, string | undefined>>, readText: (path: string) => string = (p) => readFileSync(p, 'utf8')): Record<string, string> {
  const props: Record<string, string> = {};
  const source: Record<string, string> = {};
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (value === undefined || !name.startsWith(ENV_PREFIX) || NON_PROPERTY_VARIABLES.has(name)) continue;
    let property = propertyName(name);
    let text = value;
    if (!isProperty(property) && property.endsWith('.file') && isProperty(property.slice(0, -'.file'.length))) {
      property = property.slice(0, -'.file'.length);
      text = readValueFile(name, value, readText);
    }
    if (!isProperty(property)) throw new EnvConfigError(`${name}: "${property}" is not a broker property (GREGOR_<PROPERTY>: "." is _, "_" is __, "-" is ___)`);
    if (source[property] !== undefined) throw new EnvConfigError(`${name} and ${source[property]} both set ${property}`);
    props[property] = text;
    source[property] = name;
  }

  const hostname = env['HOSTNAME'] ?? '';
  const ordinal = hostname === '' ? null : ordinalOf(hostname);
  const given = (['node.id', 'broker.id'] as const).filter((k) => props[k] !== undefined);
  for (const k of given) {
    if (!/^\d+$/.test(props[k]!.trim())) throw new EnvConfigError(`${source[k]}=${props[k]}: not a node id (an integer >= 0)`);
  }
  if (given.length === 2 && Number(props['node.id']) !== Number(props['broker.id'])) {
    throw new EnvConfigError(`${source['node.id']}=${props['node.id']} and ${source['broker.id']}=${props['broker.id']} name different ids for one broker`);
  }
  let nodeId: number;
  if (ordinal !== null) {
    for (const k of given) {
      if (Number(props[k]) !== ordinal) throw new EnvConfigError(`${source[k]}=${props[k]} contradicts the StatefulSet ordinal of HOSTNAME=${hostname} (${ordinal})`);
    }
    nodeId = ordinal;
  } else if (given.length > 0) {
    nodeId = Number(props[given[0]!]);
  } else {
    throw new EnvConfigError(`HOSTNAME=${hostname || '(unset)'}: no StatefulSet ordinal (<name>-<N>) to take node.id from, and neither GREGOR_NODE_ID nor GREGOR_BROKER_ID is set`);
  }
  delete props['broker.id'];
  props['node.id'] = String(nodeId);

  const rackFile = env['GREGOR_RACK_FILE'];
  if (rackFile !== undefined && rackFile !== '') {
    const zone = readValueFile('GREGOR_RACK_FILE', rackFile, readText).trim();
    if (zone === '') throw new EnvConfigError(`GREGOR_RACK_FILE=${rackFile}: the file is empty (no zone label on the node?)`);
    if (props['broker.rack'] !== undefined && props['broker.rack'] !== zone) {
      throw new EnvConfigError(`${source['broker.rack']}=${props['broker.rack']} contradicts the zone in GREGOR_RACK_FILE=${rackFile} (${zone})`);
    }
    props['broker.rack'] = zone;
  }

  const placeholders: Record<string, string> = { HOSTNAME: hostname, ORDINAL: ordinal === null ? '' : String(ordinal), NODE_ID: String(nodeId) };
  for (const [property, value] of Object.entries(props)) {
    props[property] = value.replace(/\$\{(HOSTNAME|ORDINAL|NODE_ID)\}/g, (whole, name: string) => {
      const v = placeholders[name]!;
      if (v === '') throw new EnvConfigError(`${source[property] ?? property}: ${whole} is used but HOSTNAME ${hostname === '' ? 'is unset' : `(${hostname}) has no StatefulSet ordinal`}`);
      return v;
    });
  }

  // Each value as the broker will check it, so the error names the variable.
  for (const [property, value] of Object.entries(props)) {
    try {
      applyProperties(defaultConfig(), { [property]: value });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      throw new EnvConfigError(`${source[property] ?? variableName(property)}: ${err.message}`);
    }
  }
  return props;
}

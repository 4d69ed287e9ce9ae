/**
 * Whether a broker should take traffic (Kubernetes' readiness, `GET /health` on the gateway
 * port): it has started, joined the cluster (its /brokers/ids/<id> registration is in the
 * metadata it follows) and every partition it follows has it in the ISR (caught up: the
 * leader added it back). A broker being stopped is not ready. A single broker (no
 * `zookeeper.connect`) is ready once started.
 * A rolling restart that waits for readiness before the next broker therefore never takes
 * down a broker while another one is still out of some ISR (Strimzi's KafkaRoller waits for
 * the same before rolling the next pod).
 */

export type ReadinessState = 'starting' | 'joining' | 'catching-up' | 'running' | 'stopping';

export interface BrokerReadiness {
  ready: boolean;
  state: ReadinessState;
  /** Partitions (`topic-partition`) this broker follows without being in their ISR, sorted. */
  notInSync: string[];
}

export interface ReadinessInputs {
  /** Start-up complete (Broker.start resolved). */
  started: boolean;
  stopping: boolean;
  /** Whether the broker's own registration is among the live brokers it follows (true on a single broker). */
  registered: boolean;
  /** Followed partitions without this broker in the ISR, as `topic-partition`. */
  notInSync: string[];
}

/** The readiness of a broker in the given situation (precedence: stopping, joining, starting, catching-up). */
export function brokerReadiness(inputs: ReadinessInputs): BrokerReadiness {
  const notInSync = [...inputs.notInSync].sort();
  const state: ReadinessState = inputs.stopping
    ? 'stopping'
    : !inputs.registered
      ? 'joining'
      : !inputs.started
        ? 'starting'
        : notInSync.length > 0
          ? 'catching-up'
          : 'running';
  return { ready: state === 'running', state, notInSync };
}

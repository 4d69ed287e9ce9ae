/** Gregor's public library surface: `import { Broker } from 'gregor'`. */
export { Broker, type BrokerOptions, resolveConfig } from './broker.js';
export { type BrokerConfig, ConfigError, defaultConfig, knownKeys } from './config/broker-config.js';
export { ErrorCode, KafkaError, errorName } from './protocol/error-codes.js';
export type { Engine, EngineKind } from './engine/engine.js';
export { createEngine } from './engine/index.js';
export { WebSocketGateway, type GatewayOptions } from './gateway/gateway.js';
export { BrokerMetrics } from './metrics/broker-metrics.js';

/**
 * The registry of API handlers: what the connection dispatches to and what ApiVersions
 * reports. One file per API in this folder.
 */
import type { ApiHandler } from './api.js';
import { apiVersionsHandler } from './api-versions.js';
import { createTopicsHandler } from './create-topics.js';
import { deleteTopicsHandler } from './delete-topics.js';
import { describeConfigsHandler } from './describe-configs.js';
import { fetchHandler } from './fetch.js';
import { listOffsetsHandler } from './list-offsets.js';
import { metadataHandler } from './metadata.js';
import { produceHandler } from './produce.js';

export const HANDLERS = new Map<number, ApiHandler>();

for (const handler of [
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
  metadataHandler,
  apiVersionsHandler(() => HANDLERS.values()),
  createTopicsHandler,
  deleteTopicsHandler,
  describeConfigsHandler,
] as ApiHandler[]) {
  HANDLERS.set(handler.apiKey, handler);
}

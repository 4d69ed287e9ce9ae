/**
 * ApiVersions (key 18, v0-4): the API ranges this broker serves, from the handler registry.
 * An unsupported ApiVersions version is answered at v0 by the connection (KIP-511).
 * Source: protocol guide "ApiVersions"; KIP-35, KIP-511.
 */
import type { ApiVersionsRequest } from '../protocol/generated/api-versions-request.js';
import { type ApiVersionsResponse, createApiVersionsResponse } from '../protocol/generated/api-versions-response.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { ApiHandler } from './api.js';

export function apiVersionsHandler(registry: () => Iterable<ApiHandler>): ApiHandler<ApiVersionsRequest, ApiVersionsResponse> {
  return {
    apiKey: 18,
    name: 'ApiVersions',
    minVersion: 0,
    maxVersion: 4,
    handle() {
      const apiKeys = [...registry()].map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }));
      return {
        response: createApiVersionsResponse({ errorCode: ErrorCode.NONE, apiKeys, throttleTimeMs: 0 }),
      };
    },
  };
}

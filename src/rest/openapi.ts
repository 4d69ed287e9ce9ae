/**
 * The REST proxy's OpenAPI 3.0 document (`GET /openapi.json`), built from the route table
 * (rest-proxy.ts REST_ROUTES), so it lists exactly what is served: paths, path parameters,
 * request and response content types, and Confluent's error body.
 * Source: OpenAPI Specification 3.0.3.
 */
import type { RestRoute } from './rest-proxy.js';

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error_code', 'message'],
  properties: { error_code: { type: 'integer', description: "Confluent's code: HTTP status × 100 + n, or the status" }, message: { type: 'string' } },
};

/** The OpenAPI document for `routes`. */
export function openApiDocument(routes: readonly RestRoute[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: m[1] === 'partition' ? 'integer' : 'string' } }));
    const operation: Record<string, unknown> = {
      summary: route.summary,
      parameters,
      responses: {
        '200': { description: 'OK', content: Object.fromEntries(route.produces.map((t) => [t, {}])) },
        default: { description: 'An error', content: { 'application/vnd.kafka.v2+json': { schema: ERROR_SCHEMA } } },
      },
      security: [{}, { basic: [] }, { bearer: [] }],
    };
    if (route.consumes) operation['requestBody'] = { required: true, content: Object.fromEntries(route.consumes.map((t) => [t, {}])) };
    (paths[route.path] ??= {})[route.method] = operation;
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Gregor REST proxy', version: '2', description: 'Confluent REST Proxy v2 (and v3 produce) on the Gregor broker' },
    paths,
    components: { securitySchemes: { basic: { type: 'http', scheme: 'basic' }, bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
  };
}

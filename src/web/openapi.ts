// The OpenAPI document, generated from the routes' zod schemas, served as
// JSON and through Swagger UI at /api/docs. Routes outside /api (health,
// readiness) declare plain JSON schemas, which pass through unchanged.
//
// Responses are described by the wire side of their schemas. The integer and
// instant codecs (src/web/schemas/wire.ts) decode the wire into what a route
// returns and the serializer encodes back, so their input side is what a client
// receives (an integer, an ISO date-time) and their output side is a route's
// loose return (a number or digit string, a Date or any string). The library
// renders responses from the output side, so each one is rendered here the way
// it renders a request body: from the input side.

import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

type TransformInput = Parameters<typeof jsonSchemaTransform>[0];

function wireTransform(document: TransformInput): ReturnType<typeof jsonSchemaTransform> {
  const transformed = jsonSchemaTransform(document);
  const response = (document.schema as { response?: Record<string, unknown> } | undefined)
    ?.response;
  if (!response || transformed.schema?.hide) return transformed;
  const wire: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(response)) {
    const rendered = jsonSchemaTransform({ ...document, schema: { body: schema } });
    wire[status] = closeObjects((rendered.schema as { body?: unknown }).body);
  }
  return { ...transformed, schema: { ...transformed.schema, response: wire } };
}

/**
 * An object schema that does not say otherwise sends exactly its properties
 * (zod strips other keys as it encodes), which the output rendering states as
 * `additionalProperties: false` and the input rendering leaves out.
 */
function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (node === null || typeof node !== 'object') return node;
  const closed = Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key, closeObjects(value)]),
  );
  if (closed.type === 'object' && 'properties' in closed && !('additionalProperties' in closed))
    closed.additionalProperties = false;
  return closed;
}

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'meterledger API',
        description:
          'Event-sourced meter-to-bill ledger. Errors are application/problem+json with a stable `code`.',
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'ml_session' },
          csrf: { type: 'apiKey', in: 'header', name: 'x-csrf-token' },
        },
      },
    },
    transform: (document: TransformInput) =>
      document.url.startsWith('/api/')
        ? wireTransform(document)
        : { schema: document.schema, url: document.url },
  });
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    // Adds hashes of Swagger UI's own inline scripts to the CSP for its pages only.
    staticCSP: true,
  });
}

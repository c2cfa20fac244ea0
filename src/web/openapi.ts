// The OpenAPI document, generated from the routes' zod schemas, served as
// JSON and through Swagger UI at /api/docs. Routes outside /api (health,
// readiness) declare plain JSON schemas, which pass through unchanged.

import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

type TransformInput = Parameters<typeof jsonSchemaTransform>[0];

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
        ? jsonSchemaTransform(document)
        : { schema: document.schema, url: document.url },
  });
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    // Adds hashes of Swagger UI's own inline scripts to the CSP for its pages only.
    staticCSP: true,
  });
}

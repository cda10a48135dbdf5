import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import cors from '@fastify/cors';
import Fastify from 'fastify';

/**
 * An API of `count` endpoints behind @fastify/cors, and the OpenAPI document that describes it (with
 * its CORS configuration as API Gateway's `x-amazon-apigateway-cors`): what the realm-sized runs
 * (tests/acceptance/targets.test.ts, npm run bench) import with `npm run targets -- --openapi`.
 */

/** The page origin an http target gets by default (src/input/inputs.ts defaultPageOrigin). */
const PAGE_ORIGIN = 'http://app.example.test';
export const MANY_API_KEY = 'many-endpoints-key';
/** Policy fields the document cannot state, given to the import as --defaults. */
export const MANY_DEFAULTS = {
  // @fastify/cors adds its headers in an onRequest hook: error answers carry them too.
  corsOnErrors: true,
  unauthorizedStatus: 401,
};

export interface ManyEndpoints {
  base: string;
  openapi: string;
  defaults: string;
  close(): Promise<void>;
}

export async function startManyEndpoints(count: number, dir: string): Promise<ManyEndpoints> {
  const cors_ = {
    allowOrigins: [PAGE_ORIGIN],
    allowMethods: ['GET', 'POST', 'PUT'],
    allowHeaders: ['Content-Type', 'X-Api-Key'],
    exposeHeaders: ['X-Request-Id'],
    maxAge: 600,
    allowCredentials: true,
  };
  const app = Fastify();
  await app.register(cors, {
    origin: cors_.allowOrigins,
    methods: cors_.allowMethods,
    allowedHeaders: cors_.allowHeaders,
    exposedHeaders: cors_.exposeHeaders,
    maxAge: cors_.maxAge,
    credentials: cors_.allowCredentials,
  });
  app.addHook('preHandler', async (request, reply) => {
    if (request.headers['x-api-key'] !== MANY_API_KEY) return reply.code(401).send({ message: 'no key' });
  });
  const paths: Record<string, unknown> = {};
  for (let i = 1; i <= count; i++) {
    const path = `/api/resource-${String(i).padStart(2, '0')}`;
    const handler = async (_: unknown, reply: { header(n: string, v: string): void }) => {
      reply.header('x-request-id', `r-${i}`);
      return { resource: i };
    };
    app.get(path, handler);
    app.post(path, handler);
    app.put(path, handler);
    const op = (summary: string) => ({ summary, responses: { '200': { description: 'the resource' } } });
    paths[path] = { get: op('read'), post: op('create'), put: op('replace') };
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const document = {
    openapi: '3.0.3',
    info: { title: `${count} endpoints behind @fastify/cors`, version: '1.0.0' },
    servers: [{ url: base }],
    'x-amazon-apigateway-cors': cors_,
    security: [{ apiKey: [] }],
    components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' } } },
    paths,
  };
  const openapi = join(dir, 'openapi.json');
  writeFileSync(openapi, JSON.stringify(document, null, 2));
  const defaults = join(dir, 'defaults.json');
  writeFileSync(defaults, JSON.stringify(MANY_DEFAULTS));
  return { base, openapi, defaults, close: () => app.close() };
}

import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { corsResponseHeaders, withRawHeaders } from '../src/policy/cors-headers.ts';
import { headerPairs, rawHeaderPairs, TOKEN_PARAM, type WireExchange } from '../src/wire/exchange.ts';
import { authorizationOf, effectiveCors, environmentOfHost, pipelinePath, refusesPayload } from './realm.ts';
import type { Pipeline, RealmConfig } from './realm-schema.ts';
import { RequestLog } from './request-log.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every request this server received, filed by scenario token. */
    requestLog: RequestLog;
  }
  interface FastifyRequest {
    wireExchange: WireExchange;
  }
}

export interface ServerOptions {
  /** Fastify's logger; off by default (the request log is the record that matters). */
  logger?: boolean;
}

/**
 * The reference trigger server: a Fastify app that answers like the realm's Digibee triggers.
 * Returns the app without listening (server/main.ts listens; tests use `inject`).
 */
export function buildServer(realm: RealmConfig, options: ServerOptions = {}): FastifyInstance {
  // Fastify's own 1 MB limit would answer before the trigger does: the triggers' limits are below.
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 110 * 1024 * 1024 });
  const log = new RequestLog();
  app.decorate('requestLog', log);
  app.decorateRequest('wireExchange', null as unknown as WireExchange);

  app.addHook('onRequest', async (request) => {
    const token = new URL(request.url, 'http://reference.invalid').searchParams.get(TOKEN_PARAM);
    request.wireExchange = log.open(
      token,
      request.method,
      request.url,
      rawHeaderPairs(request.raw.rawHeaders),
    );
  });
  app.addHook('onResponse', async (request, reply) => {
    log.complete(request.wireExchange, reply.statusCode, headerPairs(reply.getHeaders()));
  });

  // Triggers take any payload; a body the pipeline cannot parse is the pipeline's business, not CORS's.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  // Methods beyond the ones Fastify knows (REPORT, say) are registered, so that `all` routes them too.
  for (const method of new Set(realm.pipelines.flatMap((p) => p.methods))) {
    if (!app.supportedMethods.includes(method)) app.addHttpMethod(method, { hasBody: true });
  }
  const byPath = new Map(realm.pipelines.map((p) => [pipelinePath(realm.name, p), p]));
  const handler = (request: FastifyRequest, reply: FastifyReply) => {
    const { pathname } = new URL(request.url, 'http://reference.invalid');
    const pipeline = findPipeline(byPath, pathname);
    if (!pipeline) return notFound(reply, `no pipeline at ${pathname}`);
    return answerTrigger(realm, pipeline, request, reply);
  };
  app.all('/pipeline/*', handler);
  return app;
}

function findPipeline(byPath: Map<string, Pipeline>, pathname: string): Pipeline | undefined {
  for (const [path, pipeline] of byPath) {
    if (pathname === path || pathname.startsWith(`${path}/`)) return pipeline;
  }
  return undefined;
}

/** Seed, example 3: a method the trigger is not configured for "results in a 404 Not Found error". */
function notFound(reply: FastifyReply, message: string) {
  return reply.code(404).type('application/json').send({ error: 'Not Found', message });
}

function answerTrigger(realm: RealmConfig, pipeline: Pipeline, request: FastifyRequest, reply: FastifyReply) {
  const method = request.method;
  if (!pipeline.methods.includes(method)) {
    return notFound(
      reply,
      `${method} is not configured on the ${pipeline.trigger} trigger of ${pipeline.name}`,
    );
  }
  const quirks = pipeline.quirks ?? {};
  const cors = effectiveCors(realm, pipeline, environmentOfHost(request.hostname));
  const origin = request.headers.origin;
  if (method === 'OPTIONS') {
    // The preflight: browsers send no custom headers (so no apikey) on it.
    reply.headers(
      withRawHeaders(corsResponseHeaders(cors, origin, 'preflight', quirks), quirks.preflightHeaders),
    );
    if (quirks.reflectPreflightRequest) {
      const method = request.headers['access-control-request-method'];
      const headers = request.headers['access-control-request-headers'];
      if (typeof method === 'string') reply.header('access-control-allow-methods', method);
      if (typeof headers === 'string') reply.header('access-control-allow-headers', headers);
    }
    if (quirks.redirectPreflight) return redirect(reply, quirks.redirectPreflight, request.url);
    if (quirks.preflightBody !== undefined)
      return reply
        .code(quirks.preflightStatus ?? 200)
        .type('text/plain')
        .send(quirks.preflightBody);
    return reply.code(quirks.preflightStatus ?? 204).send();
  }
  if (quirks.exceedsMaximumTimeout) return reply.code(500).send();
  if (refusesPayload(pipeline, Buffer.isBuffer(request.body) ? request.body.length : 0)) {
    // No CORS headers on it: this server's choice (Digibee's pages do not say).
    return reply.code(413).type('application/json').send({ message: 'Request size limit exceeded' });
  }
  reply.headers(pipeline.responseHeaders);
  reply.header('x-execution-id', `${pipeline.name}-${request.wireExchange.seq}`);
  reply.headers(withRawHeaders(corsResponseHeaders(cors, origin, 'actual', quirks), quirks.actualHeaders));
  if (quirks.cacheControl) reply.header('cache-control', quirks.cacheControl);
  if (quirks.redirect) return redirect(reply, quirks.redirect, request.url);
  if (
    (pipeline.apiKey !== undefined && request.headers.apikey !== pipeline.apiKey) ||
    (authorizationOf(pipeline) !== null && request.headers.authorization !== authorizationOf(pipeline))
  ) {
    // Reference-server choice (the seed does not document it): 401, with the CORS headers so a page can read it.
    return reply
      .code(401)
      .type('application/json')
      .send({ error: 'Unauthorized', message: 'invalid or missing credentials (apikey, JWT, Basic Auth)' });
  }
  if (quirks.actualStatus) reply.code(quirks.actualStatus);
  if (quirks.body) return reply.type(quirks.body.type).send(quirks.body.text);
  return triggerBody(pipeline, request, reply);
}

/** A redirect that carries the request's query (and so its scenario token) to the new location. */
function redirect(reply: FastifyReply, target: { status: number; to: string }, requestUrl: string) {
  const query = new URL(requestUrl, 'http://reference.invalid').search;
  return reply.code(target.status).header('location', `${target.to}${query}`).send();
}

function triggerBody(pipeline: Pipeline, request: FastifyRequest, reply: FastifyReply) {
  const received = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  switch (pipeline.trigger) {
    case 'rest':
      return reply
        .type('application/json')
        .send({ pipeline: pipeline.name, trigger: 'rest', method: request.method });
    case 'http':
      // The HTTP trigger hands the raw body to the pipeline; this one echoes it.
      return reply.type(request.headers['content-type'] ?? 'application/octet-stream').send(received);
    case 'http-file-download':
      return reply
        .type('text/csv')
        .header('content-disposition', 'attachment; filename="report.csv"')
        .send('id,status\n1,ok\n');
    case 'http-file-upload':
      return reply.type('application/json').send({
        pipeline: pipeline.name,
        trigger: 'http-file-upload',
        receivedBytes: received.length,
        contentType: request.headers['content-type'] ?? null,
      });
  }
}

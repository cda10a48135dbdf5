import Fastify, { type FastifyInstance } from 'fastify';
import { TEST_PAGE_HTML } from '../src/engines/test-page.ts';

/** Serves the test page at the page origin (another origin than the triggers'). Never listens itself. */
export function buildPageServer(): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/', (_request, reply) => reply.type('text/html; charset=utf-8').send(TEST_PAGE_HTML));
  return app;
}

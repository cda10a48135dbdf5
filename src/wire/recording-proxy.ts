import { networkInterfaces } from 'node:os';
import type { CompletedResponse, InitiatedRequest, Mockttp } from 'mockttp';
import { TEST_PAGE_HTML } from '../engines/test-page.ts';
import { TOKEN_PARAM, type WireExchange } from './exchange.ts';
import { proxyCa } from './proxy-ca.ts';

/**
 * The recording proxy between the engines and the network (mockttp). It serves the test page at
 * any page origin the run uses (http or https, any host name, hostile ones included), passes
 * requests for the hosts under test through to the real server, records every exchange by scenario
 * token, and refuses every other host (browsers' background traffic never leaves the machine).
 */

export interface Upstream {
  /** The host (and port, if not the scheme's default) the engines ask for, e.g. `api.example.test`. */
  host: string;
  /** Only requests asked over this scheme (absent: either). */
  askedOver?: 'http' | 'https';
  /** Where to send it instead, e.g. `localhost:43121` over `http`; absent: pass through as asked. */
  forwardTo?: { host: string; protocol: 'http' | 'https' };
}

export interface ProxyOptions {
  pageOrigins: string[];
  /** Origins whose test page is sandboxed (CSP `sandbox allow-scripts`): its origin is opaque, `null`. */
  sandboxedPageOrigins?: string[];
  upstreams: Upstream[];
}

export interface RecordingProxy {
  /** Give engines `server` (plain http on loopback): mockttp's own `url` is https and breaks Chromium. */
  readonly port: number;
  readonly server: string;
  /** Every exchange filed under `token`, once each has an answer (or failed). */
  wire(token: string): Promise<WireExchange[]>;
  close(): Promise<void>;
}

/**
 * Where engines reach the proxy: IPv6 loopback when the machine has it. mockttp flags a "passthrough
 * loop" when a client's address and port equal those of one of its own upstream connections; over
 * IPv4 loopback both ends use 127.0.0.1 and ephemeral ports do coincide now and then (seen in a full
 * run), so the engines' side and the upstream side are kept on different loopback addresses.
 */
const ENGINE_SIDE_ADDRESS = Object.values(networkInterfaces())
  .flat()
  .some((i) => i?.address === '::1')
  ? '[::1]'
  : '127.0.0.1';

/**
 * Each request reaches the server on a connection of its own. A server closes an idle kept-alive
 * connection when its keep-alive timeout ends (Node's: 5 s), and a request the proxy sent on it at
 * that moment would come back reset: a failure an engine talking to the server never shows, since it
 * sends the request again on a new connection. Connection is hop-by-hop: nothing CORS reads.
 */
const FRESH_CONNECTION = { connection: 'close' };
/**
 * The server's `Connection: close` (its answer to FRESH_CONNECTION) is not passed on: the engine keeps
 * its own connection to the proxy, as it would to the server, instead of a TCP connection and a TLS
 * handshake with the proxy for every request.
 */
const KEPT_CONNECTION = { updateHeaders: { connection: undefined } };

const REFUSED = 'cors-conformance proxy: this host is not under test';
const REFUSED_HEADER = 'x-cors-conformance-refused';

function tokenOf(url: string): string | null {
  try {
    return new URL(url).searchParams.get(TOKEN_PARAM);
  } catch {
    return null;
  }
}

function pairs(raw: ReadonlyArray<[string, string]>): Array<[string, string]> {
  return raw.map(([n, v]) => [n, v]);
}

/**
 * mockttp, loaded when first asked for, not with this module: the test runner's main process loads the
 * spec files, and with them this module, without ever starting a proxy (0.3 s of its start). A worker
 * asks for it as it launches its engine, so that both happen at once.
 */
export const loadMockttp = (): Promise<typeof import('mockttp')> => import('mockttp');

export async function startRecordingProxy(options: ProxyOptions): Promise<RecordingProxy> {
  const [ca, { getLocal }] = await Promise.all([proxyCa(), loadMockttp()]);
  const server: Mockttp = getLocal({ https: { key: ca.key, cert: ca.cert }, recordTraffic: false });
  await server.start();

  const byId = new Map<string, WireExchange>();
  const byToken = new Map<string, WireExchange[]>();
  let seq = 0;
  await server.on('request-initiated', (request: InitiatedRequest) => {
    const token = tokenOf(request.url);
    if (token === null) return;
    const exchange: WireExchange = {
      seq: ++seq,
      method: request.method,
      url: request.url,
      requestHeaders: pairs(request.rawHeaders),
      status: null,
      responseHeaders: [],
    };
    byId.set(request.id, exchange);
    byToken.set(token, [...(byToken.get(token) ?? []), exchange]);
  });
  await server.on('response', (response: CompletedResponse) => {
    const exchange = byId.get(response.id);
    if (!exchange) return;
    exchange.status = response.statusCode;
    exchange.responseHeaders = pairs(response.rawHeaders);
    const failure = response.tags.find(
      (t) => t.includes('passthrough-error:') || t.includes('passthrough-tls-error:'),
    );
    if (failure) exchange.failure = failure;
    else if (response.rawHeaders.some(([n]) => n.toLowerCase() === REFUSED_HEADER))
      exchange.failure = 'proxy-refused-host';
    byId.delete(response.id);
  });
  await server.on('abort', (request) => {
    const exchange = byId.get(request.id);
    if (!exchange) return;
    exchange.failure = `aborted${request.error?.code ? `:${request.error.code}` : ''}${request.error?.message ? ` (${request.error.message})` : ''}`;
    exchange.status = 0;
    byId.delete(request.id);
  });

  for (const origin of options.pageOrigins) {
    await server.forGet(`${origin}/`).always().thenReply(200, TEST_PAGE_HTML, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
    });
  }
  for (const origin of options.sandboxedPageOrigins ?? []) {
    await server.forGet(`${origin}/`).always().thenReply(200, TEST_PAGE_HTML, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': 'sandbox allow-scripts',
    });
  }
  // One pass-through rule per kind of upstream (as asked, forwarded over http, over https), each
  // matching its set of hosts.
  const hostOf = (url: string) => new URL(url).host;
  const escapeRegExp = (host: string) => host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const isFor = (u: Upstream, url: string) =>
    u.host === hostOf(url) && (!u.askedOver || url.startsWith(`${u.askedOver}:`));
  const asAsked = options.upstreams.filter((u) => !u.forwardTo);
  if (asAsked.length > 0) {
    await server
      .forAnyRequest()
      .matching((r) => asAsked.some((u) => isFor(u, r.url)))
      .always()
      .thenPassThrough({
        transformRequest: { updateHeaders: FRESH_CONNECTION },
        transformResponse: KEPT_CONNECTION,
      });
  }
  for (const protocol of ['http', 'https'] as const) {
    const forwarded = options.upstreams.filter((u) => u.forwardTo?.protocol === protocol);
    if (forwarded.length === 0) continue;
    await server
      .forAnyRequest()
      .matching((r) => forwarded.some((u) => isFor(u, r.url)))
      .always()
      .thenPassThrough({
        transformRequest: {
          matchReplaceHost: {
            // mockttp matches `host:port`, the port set to the new protocol's default by setProtocol.
            replacements: forwarded.map((u) => [
              new RegExp(`^${escapeRegExp(u.host)}(?::\\d+)?$`),
              u.forwardTo?.host ?? u.host,
            ]),
            updateHostHeader: false,
          },
          setProtocol: protocol,
          updateHeaders: FRESH_CONNECTION,
        },
        transformResponse: KEPT_CONNECTION,
      });
  }

  await server
    .forAnyRequest()
    .asPriority(0)
    .always()
    .thenReply(403, REFUSED, { 'content-type': 'text/plain', [REFUSED_HEADER]: '1' });

  return {
    port: server.port,
    server: `http://${ENGINE_SIDE_ADDRESS}:${server.port}`,
    async wire(token: string) {
      const deadline = Date.now() + 3_000;
      const read = () => [...(byToken.get(token) ?? [])];
      while (read().some((e) => e.status === null) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 5));
      const exchanges = read();
      byToken.delete(token);
      return exchanges;
    },
    close: () => server.stop(),
  };
}

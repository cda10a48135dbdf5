import type { FetchOutcome } from '../engines/session.ts';
import type { ObservedResponse } from '../fetch-standard/oracle.ts';
import { getHeader, type HeaderList } from '../fetch-standard/rules.ts';
import type { CookieOutcome, Outcome, UnreachableCause } from '../outcome/outcome.ts';
import { cookiePairs, type WireExchange } from '../wire/exchange.ts';

export const isPreflight = (e: WireExchange): boolean =>
  e.method === 'OPTIONS' && getHeader(e.requestHeaders, 'access-control-request-method') !== null;

/**
 * The exchanges of one fetch as hops, one per URL: a preflight opens a hop, the request that follows
 * belongs to it; a redirect makes the next request a new hop.
 */
export function hopsOf(
  exchanges: WireExchange[],
): Array<{ preflight: WireExchange | null; actual: WireExchange | null }> {
  const hops: Array<{ preflight: WireExchange | null; actual: WireExchange | null }> = [];
  for (const exchange of exchanges) {
    const last = hops.at(-1);
    if (isPreflight(exchange)) hops.push({ preflight: exchange, actual: null });
    else if (last && last.actual === null) last.actual = exchange;
    else hops.push({ preflight: null, actual: exchange });
  }
  return hops;
}

export function observed(exchange: WireExchange | null): ObservedResponse | null {
  if (exchange === null || exchange.status === null || exchange.failure !== undefined) return null;
  return { status: exchange.status, headers: exchange.responseHeaders as HeaderList };
}

const GATEWAY_STATUSES = [502, 503, 504];

/** The recording proxy's failure tag (mockttp's passthrough-error:CODE) as a cause. */
export function causeOf(failure: string): UnreachableCause {
  if (failure === 'proxy-refused-host') return 'proxy-refused';
  if (/ECONNREFUSED/.test(failure)) return 'connection-refused';
  if (/ENOTFOUND|EAI_AGAIN|EAI_NONAME/.test(failure)) return 'unknown-host';
  if (/tls|CERT|SELF_SIGNED|SSL|ERR_TLS|EPROTO/i.test(failure)) return 'tls';
  if (/TIMEDOUT|timeout/i.test(failure)) return 'timeout';
  return 'connection-failed';
}

/** A gateway's 5xx without Allow-Origin: the application behind it did not answer. */
function gatewayError(e: WireExchange): boolean {
  return (
    e.status !== null &&
    GATEWAY_STATUSES.includes(e.status) &&
    getHeader(e.responseHeaders as HeaderList, 'access-control-allow-origin') === null
  );
}

/**
 * The verdict: what the engine did, as an Outcome built in one place. The stage comes from the wire:
 * the engine gives the page the same TypeError whatever stopped it. Every request an engine sends goes
 * through the recording proxy, so the wire is complete: a failure to reach the server shows there (a
 * proxy error tag, a gateway's 5xx, a request still waiting for its answer), and nothing on the wire
 * means the engine refused to send anything.
 */
export function classify(outcome: FetchOutcome, wire: WireExchange[], cookieNames: string[] = []): Outcome {
  if (outcome.kind === 'resolved' && (outcome.type === 'opaque' || outcome.type === 'opaqueredirect'))
    return { verdict: 'opaque' };
  if (outcome.kind === 'resolved') {
    const carried = cookiesCarried(wire, cookieNames);
    return {
      verdict: 'allowed',
      status: outcome.status,
      readable: outcome.headers.map(([name]) => name.toLowerCase()).sort(),
      ...(carried ? { cookies: carried } : {}),
    };
  }
  if (outcome.kind === 'timeout')
    return { verdict: 'unreachable', cause: 'timeout', detail: `no answer within ${outcome.ms} ms` };
  const failed = wire.find((e) => e.failure !== undefined);
  if (failed?.failure)
    return {
      verdict: 'unreachable',
      cause: causeOf(failed.failure),
      detail: `${failed.method} ${failed.url}: ${failed.failure}`,
    };
  // A request that never got its answer says nothing about CORS: the server (or the path to it) did not answer.
  const open = wire.find((e) => e.status === null);
  if (open) {
    return {
      verdict: 'unreachable',
      cause: 'no-answer',
      detail: `${open.method} ${open.url} was still waiting for its answer when the page's fetch failed`,
    };
  }
  const gateway = wire.find(gatewayError);
  if (gateway) {
    return {
      verdict: 'unreachable',
      cause: 'gateway-error',
      detail: `${gateway.method} answered ${gateway.status} without CORS headers: a gateway, not the application`,
    };
  }
  const last = hopsOf(wire).at(-1);
  // A beacon's answer is never read: once its request is sent, the page has all it will ever get.
  if (outcome.kind === 'queued' && last?.actual) return { verdict: 'opaque' };
  if (last?.actual) return { verdict: 'blocked', stage: 'response' };
  if (last?.preflight) return { verdict: 'blocked', stage: 'preflight' };
  return { verdict: 'blocked', stage: 'before-request' };
}

/**
 * Whether the last request of the fetch carried every cookie named: `sent` or `withheld`; undefined
 * when none is named or no request reached the server.
 */
function cookiesCarried(wire: WireExchange[], names: string[]): CookieOutcome | undefined {
  const last = hopsOf(wire).at(-1)?.actual;
  if (names.length === 0 || !last) return undefined;
  const carried = cookiePairs(getHeader(last.requestHeaders as HeaderList, 'cookie')).map(([name]) => name);
  return names.every((name) => carried.includes(name)) ? 'sent' : 'withheld';
}

/** What reached the server, in one line: `OPTIONS 204, GET 200`. */
export function describeWire(wire: WireExchange[]): string {
  return (
    wire.map((e) => `${e.method} ${e.status ?? '?'}${e.failure ? ` (${e.failure})` : ''}`).join(', ') ||
    'nothing'
  );
}

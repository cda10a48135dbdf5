import {
  type BlockReason,
  code,
  describeOutcome,
  describeReason,
  listText,
  type Outcome,
  type Stage,
} from '../outcome/outcome.ts';
import {
  CORS_SAFELISTED_RESPONSE_HEADER_NAMES,
  type CredentialsMode,
  corsUnsafeRequestHeaderNames,
  extractTokenList,
  type FetchAnchor,
  getHeader,
  type HeaderList,
  includesCredentials,
  isBadPort,
  isCorsNonWildcardRequestHeaderName,
  isCorsSafelistedMethod,
  isForbiddenResponseHeaderName,
  isMixedContent,
  isOkStatus,
} from './rules.ts';

/**
 * The oracle: the Fetch standard's CORS-preflight fetch and CORS check, replayed over what the server
 * actually answered. A pure function of (request, recorded responses): it says what a conforming
 * engine must do with those responses, and why, step by step.
 */

export interface OracleRequest {
  url: string;
  /** Already normalized (#concept-method-normalize). */
  method: string;
  /** The request's header list as the page set it, plus what the body implies (Content-Type). */
  headers: HeaderList;
  credentials: CredentialsMode;
  /**
   * The page API that sent it, when not fetch(): a beacon's answer is never read; an EventSource and a
   * script element show the page no response header.
   */
  api?: 'event-source' | 'beacon' | 'script';
  /** fetch()'s redirect mode; `follow` when absent. */
  redirect?: 'follow' | 'error' | 'manual';
  /** fetch()'s mode; `cors` when absent. */
  mode?: 'cors' | 'no-cors' | 'same-origin';
  /** The page origin, serialized: what the engine sends in `Origin`. */
  origin: string;
}

export interface ObservedResponse {
  status: number;
  headers: HeaderList;
}

/** What reached the server for one URL of a fetch: its preflight (if any) and its request. */
export interface FetchWire {
  preflight: ObservedResponse | null;
  actual: ObservedResponse | null;
}

export interface OracleStep {
  anchor: FetchAnchor;
  outcome: 'pass' | 'fail' | 'note';
  text: string;
}

/**
 * The oracle's reading: an Outcome (a block always with its reason), with the rules it applied; or no
 * judgement, when the wire lacks what one needs.
 */
export type OracleReading = { preflightRequired: boolean; steps: OracleStep[] } & (
  | Extract<Outcome, { verdict: 'allowed' }>
  | (Extract<Outcome, { verdict: 'blocked' }> & { reason: BlockReason })
  | Extract<Outcome, { verdict: 'opaque' }>
  /** The wire lacks what a judgement needs: nothing reached the server, or the engine stopped early. */
  | { verdict: 'incomplete'; missing: 'preflight' | 'actual' }
);

/** The reading in one line: the verdict and, when blocked, why. */
export function describeReading(reading: OracleReading): string {
  if (reading.verdict === 'incomplete')
    return `no judgement: the ${reading.missing} did not reach the server`;
  return describeOutcome(outcomeOfReading(reading) as Outcome);
}

/** The reading's Outcome; null when the wire allowed no judgement. */
export function outcomeOfReading(reading: OracleReading): Outcome | null {
  switch (reading.verdict) {
    case 'allowed':
      return { verdict: 'allowed', status: reading.status, readable: reading.readable };
    case 'blocked':
      return { verdict: 'blocked', stage: reading.stage, reason: reading.reason };
    case 'opaque':
      return { verdict: 'opaque' };
    case 'incomplete':
      return null;
  }
}

/** #concept-cors-check; null on success. */
export function corsCheck(
  request: OracleRequest,
  response: ObservedResponse,
  stage: Stage,
): BlockReason | null {
  const allowOrigin = getHeader(response.headers, 'access-control-allow-origin');
  if (allowOrigin === null) return { code: 'allow-origin-missing', stage };
  const include = request.credentials === 'include';
  if (!include && allowOrigin === '*') return null;
  if (allowOrigin === '*') return { code: 'allow-origin-wildcard-with-credentials', stage };
  if (allowOrigin !== request.origin)
    return { code: 'allow-origin-mismatch', stage, got: allowOrigin, origin: request.origin };
  if (!include) return null;
  const credentials = getHeader(response.headers, 'access-control-allow-credentials');
  return credentials === 'true' ? null : { code: 'allow-credentials-not-true', stage, got: credentials };
}

/** Whether the request needs a preflight (#main-fetch, the use-CORS-preflight / unsafe-request branch). */
export function preflightNeeded(request: OracleRequest): { needed: boolean; unsafeHeaders: string[] } {
  const unsafeHeaders = corsUnsafeRequestHeaderNames(request.headers);
  return { needed: !isCorsSafelistedMethod(request.method) || unsafeHeaders.length > 0, unsafeHeaders };
}

/** #cors-preflight-fetch-0 step 7, after the CORS check: the Allow-Methods and Allow-Headers checks. */
function preflightLists(
  request: OracleRequest,
  preflight: ObservedResponse,
  steps: OracleStep[],
): BlockReason | null {
  const include = request.credentials === 'include';
  const methods = extractTokenList(preflight.headers, 'access-control-allow-methods');
  const headerNames = extractTokenList(preflight.headers, 'access-control-allow-headers');
  if (methods.kind === 'failure') return { code: 'allow-methods-malformed', value: methods.value };
  if (headerNames.kind === 'failure') return { code: 'allow-headers-malformed', value: headerNames.value };
  const allowedMethods = methods.kind === 'list' ? methods.items : null;
  const allowedHeaders = headerNames.kind === 'list' ? headerNames.items : null;

  // Method: byte-exact (`patch` is not `PATCH`); safelisted methods need no listing.
  if (isCorsSafelistedMethod(request.method)) {
    if (!(allowedMethods ?? []).includes(request.method)) {
      steps.push({
        anchor: 'cors-safelisted-method',
        outcome: 'pass',
        text: `${request.method} is a CORS-safelisted method, so Access-Control-Allow-Methods (${listText(allowedMethods)}) did not block it`,
      });
    }
  } else {
    const listed = (allowedMethods ?? []).includes(request.method);
    const wildcard = !include && (allowedMethods ?? []).includes('*');
    if (!listed && !wildcard) {
      return {
        code: 'method-not-allowed',
        method: request.method,
        allowed: allowedMethods,
        wildcardNeedsNoCredentials: include && (allowedMethods ?? []).includes('*'),
      };
    }
    steps.push({
      anchor: 'cors-preflight-fetch-0',
      outcome: 'pass',
      text: `Access-Control-Allow-Methods (${listText(allowedMethods)}) ${listed ? 'lists' : 'covers with `*`'} ${request.method}`,
    });
  }

  const allowedLower = (allowedHeaders ?? []).map((h) => h.toLowerCase());
  if (
    request.headers.some(([name]) => isCorsNonWildcardRequestHeaderName(name)) &&
    !allowedLower.includes('authorization')
  ) {
    return { code: 'authorization-not-listed', allowed: allowedHeaders };
  }
  const { unsafeHeaders } = preflightNeeded(request);
  const wildcard = allowedLower.includes('*');
  for (const name of unsafeHeaders) {
    if (!allowedLower.includes(name) && (include || !wildcard)) {
      return {
        code: 'header-not-allowed',
        header: name,
        allowed: allowedHeaders,
        wildcardNeedsNoCredentials: include && wildcard,
      };
    }
  }
  if (unsafeHeaders.length > 0) {
    steps.push({
      anchor: 'cors-preflight-fetch-0',
      outcome: 'pass',
      text: `Access-Control-Allow-Headers (${listText(allowedHeaders)}) covers ${unsafeHeaders.join(', ')}`,
    });
  }
  return null;
}

/**
 * The header names the page can read (#concept-response-cors-exposed-header-name-list); none through
 * an API that shows the page no headers (an EventSource, a script element).
 */
export function exposedHeaderNames(request: OracleRequest, response: ObservedResponse): string[] {
  if (request.api === 'event-source' || request.api === 'script') return [];
  const present = [...new Set(response.headers.map(([n]) => n.toLowerCase()))];
  const listed = extractTokenList(response.headers, 'access-control-expose-headers');
  const items = listed.kind === 'list' ? listed.items.map((h) => h.toLowerCase()) : [];
  const all = request.credentials !== 'include' && items.includes('*');
  return present
    .filter((name) => !isForbiddenResponseHeaderName(name))
    .filter((name) => all || CORS_SAFELISTED_RESPONSE_HEADER_NAMES.includes(name) || items.includes(name))
    .sort();
}

/** Main fetch's refusals that come before any CORS step (#main-fetch): nothing may reach the server. */
export function refusedBeforeSending(request: OracleRequest): BlockReason | null {
  if (includesCredentials(request.url)) return { code: 'url-credentials', url: request.url };
  if (isBadPort(request.url)) return { code: 'bad-port', url: request.url };
  if (isMixedContent(request.origin, request.url))
    return { code: 'mixed-content', pageOrigin: request.origin, url: request.url };
  return null;
}

const REDIRECT_STATUSES = [301, 302, 303, 307, 308];

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/**
 * Replays the CORS protocol over the wire of one fetch: a hop per URL (its preflight, if any, and the
 * request), more than one when the server redirects (#http-redirect-fetch).
 */
export function readWire(request: OracleRequest, wire: FetchWire | FetchWire[]): OracleReading {
  const hops = Array.isArray(wire) ? wire : [wire];
  const steps: OracleStep[] = [];
  if (request.mode === 'same-origin' || request.mode === 'no-cors')
    return readOtherMode(request, hops, steps);
  if (request.api === 'beacon') return readBeacon(readWire({ ...request, api: undefined }, hops));
  const first = preflightNeeded(request);
  let current: OracleRequest = request;
  let tainted = false;
  for (let index = 0; ; index++) {
    const hop: FetchWire = hops[index] ?? { preflight: null, actual: null };
    const reading = readHop(current, hop, steps, index > 0);
    if (reading.verdict !== 'redirect') return { ...reading, preflightRequired: first.needed };
    const next = new URL(reading.location, current.url).toString();
    const refused = refusedRedirect(request, next, index);
    if (refused === 'opaque-redirect') {
      steps.push({
        anchor: 'http-fetch',
        outcome: 'note',
        text: "the request's redirect mode is `manual`: the page gets an opaque-redirect response, with no status, header or location to read",
      });
      return { verdict: 'opaque', preflightRequired: first.needed, steps };
    }
    if (refused) {
      steps.push({ anchor: 'http-redirect-fetch', outcome: 'fail', text: describeReason(refused) });
      return {
        verdict: 'blocked',
        stage: 'response',
        reason: refused,
        preflightRequired: first.needed,
        steps,
      };
    }
    // #http-redirect-fetch: a cross-origin hop from a URL not of the page's origin taints the origin.
    if (!sameOrigin(next, current.url) && !sameOrigin(request.origin, current.url)) tainted = true;
    const status = reading.status;
    const toGet =
      ((status === 301 || status === 302) && current.method === 'POST') ||
      (status === 303 && !['GET', 'HEAD'].includes(current.method));
    steps.push({
      anchor: 'http-redirect-fetch',
      outcome: 'note',
      text: `redirected (${status}) to ${next}${toGet ? ', now as GET' : ''}${tainted ? '; the origin is tainted, so the next request carries `Origin: null`' : ''}`,
    });
    current = {
      ...current,
      url: next,
      method: toGet ? 'GET' : current.method,
      headers: toGet
        ? current.headers.filter(
            ([n]) =>
              !['content-type', 'content-language', 'content-encoding', 'content-location'].includes(
                n.toLowerCase(),
              ),
          )
        : current.headers,
      origin: tainted ? 'null' : current.origin,
    };
  }
}

/** The Fetch standard's refusals of a redirect (#http-fetch, #http-redirect-fetch), in its order. */
function refusedRedirect(
  request: OracleRequest,
  next: string,
  redirectsSoFar: number,
): BlockReason | 'opaque-redirect' | null {
  const refuse = (why: Extract<BlockReason, { code: 'redirect-refused' }>['why']): BlockReason => ({
    code: 'redirect-refused',
    url: next,
    why,
  });
  if (request.redirect === 'error') return refuse('redirect-mode-error');
  if (request.redirect === 'manual') return 'opaque-redirect';
  const url = new URL(next);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return refuse('not-http');
  if (redirectsSoFar >= 20) return refuse('limit');
  if (includesCredentials(url) && !sameOrigin(request.origin, next)) return refuse('credentials');
  return null;
}

/**
 * A request whose mode is not `cors` (#main-fetch): `same-origin` refuses another origin's URL before
 * anything is sent; `no-cors` refuses a method that is not safelisted, and otherwise sends the request
 * without a preflight and gives the page an opaque response, whatever the server answers.
 */
function readOtherMode(request: OracleRequest, hops: FetchWire[], steps: OracleStep[]): OracleReading {
  const refuse = (reason: BlockReason): OracleReading => {
    steps.push({ anchor: 'main-fetch', outcome: 'fail', text: describeReason(reason) });
    return { verdict: 'blocked', stage: 'before-request', reason, preflightRequired: false, steps };
  };
  const pageOrigin = request.origin;
  if (request.mode === 'same-origin') {
    if (!sameOrigin(request.url, pageOrigin))
      return refuse({ code: 'mode-same-origin', url: request.url, origin: pageOrigin });
    return readWire({ ...request, mode: 'cors' }, hops);
  }
  if (!isCorsSafelistedMethod(request.method))
    return refuse({ code: 'no-cors-method', method: request.method });
  const refused = refusedBeforeSending(request);
  if (refused) return refuse(refused);
  if (hops.every((hop) => hop.actual === null)) {
    steps.push({ anchor: 'main-fetch', outcome: 'note', text: 'the request did not reach the server' });
    return { verdict: 'incomplete', missing: 'actual', preflightRequired: false, steps };
  }
  steps.push({
    anchor: 'concept-filtered-response-opaque',
    outcome: 'note',
    text: 'a `no-cors` request is sent without a preflight and its response is opaque: the page reads no status, no header and no body, whatever the server sent',
  });
  return { verdict: 'opaque', preflightRequired: false, steps };
}

/**
 * A beacon is a CORS request with credentials whose answer the page never reads: its preflight decides
 * whether it is sent; once sent, whatever the answer's CORS headers, the page has all it will get.
 */
function readBeacon(reading: OracleReading): OracleReading {
  if (reading.verdict !== 'allowed' && !(reading.verdict === 'blocked' && reading.stage === 'response'))
    return reading;
  const steps: OracleStep[] = [
    ...reading.steps,
    {
      anchor: 'main-fetch',
      outcome: 'note',
      text: 'a beacon was sent: the page never reads its answer, so the CORS check of the answer decides nothing the page sees',
    },
  ];
  return { verdict: 'opaque', preflightRequired: reading.preflightRequired, steps };
}

type HopReading =
  | { verdict: 'allowed'; status: number; readable: string[]; steps: OracleStep[] }
  | { verdict: 'blocked'; stage: Stage; reason: BlockReason; steps: OracleStep[] }
  | { verdict: 'incomplete'; missing: 'preflight' | 'actual'; steps: OracleStep[] }
  | { verdict: 'redirect'; status: number; location: string };

function readHop(
  request: OracleRequest,
  wire: FetchWire,
  steps: OracleStep[],
  redirected: boolean,
): HopReading {
  const { needed, unsafeHeaders } = preflightNeeded(request);
  const refused = refusedBeforeSending(request);
  if (refused) {
    steps.push({
      anchor: refused.code === 'bad-port' ? 'block-bad-port' : 'main-fetch',
      outcome: 'fail',
      text: describeReason(refused),
    });
    return { verdict: 'blocked', stage: redirected ? 'response' : 'before-request', reason: refused, steps };
  }
  if (needed) {
    const why = [
      isCorsSafelistedMethod(request.method) ? null : `${request.method} is not a CORS-safelisted method`,
      unsafeHeaders.length > 0
        ? `${unsafeHeaders.join(', ')} ${unsafeHeaders.length === 1 ? 'is not a CORS-safelisted request-header' : 'are not CORS-safelisted request-headers'}`
        : null,
    ].filter(Boolean);
    steps.push({
      anchor: isCorsSafelistedMethod(request.method)
        ? 'cors-unsafe-request-header-names'
        : 'cors-safelisted-method',
      outcome: 'note',
      text: `${why.join(' and ')}: the engine must send a preflight (OPTIONS) first`,
    });
  } else if (!redirected) {
    steps.push({
      anchor: 'cors-safelisted-request-header',
      outcome: 'note',
      text: `${request.method} with only CORS-safelisted request-headers: no preflight, the request goes straight to the server`,
    });
  }

  if (needed && wire.preflight === null) {
    if (wire.actual === null) {
      steps.push({
        anchor: 'cors-preflight-fetch-0',
        outcome: 'note',
        text: 'no preflight reached the server',
      });
      return { verdict: 'incomplete', missing: 'preflight', steps };
    }
    steps.push({
      anchor: 'cors-preflight-cache',
      outcome: 'note',
      text: 'no preflight reached the server before the request: the engine reused a cached preflight',
    });
  }

  if (needed && wire.preflight !== null) {
    const preflight = wire.preflight;
    if (!isOkStatus(preflight.status)) {
      const reason: BlockReason = { code: 'preflight-status-not-ok', status: preflight.status };
      steps.push({ anchor: 'ok-status', outcome: 'fail', text: describeReason(reason) });
      return { verdict: 'blocked', stage: 'preflight', reason, steps };
    }
    const cors = corsCheck(request, preflight, 'preflight');
    if (cors) {
      steps.push({ anchor: 'concept-cors-check', outcome: 'fail', text: describeReason(cors) });
      return { verdict: 'blocked', stage: 'preflight', reason: cors, steps };
    }
    steps.push({
      anchor: 'concept-cors-check',
      outcome: 'pass',
      text: `the preflight was answered ${preflight.status} with Access-Control-Allow-Origin ${code(getHeader(preflight.headers, 'access-control-allow-origin') ?? '')}: the CORS check passes`,
    });
    const lists = preflightLists(request, preflight, steps);
    if (lists) {
      steps.push({ anchor: 'cors-preflight-fetch-0', outcome: 'fail', text: describeReason(lists) });
      return { verdict: 'blocked', stage: 'preflight', reason: lists, steps };
    }
  }

  if (wire.actual === null) {
    steps.push({
      anchor: 'http-fetch',
      outcome: 'note',
      text: `the ${request.method} request did not reach the server`,
    });
    return { verdict: 'incomplete', missing: 'actual', steps };
  }
  const actual = wire.actual;
  const cors = corsCheck(request, actual, 'response');
  if (cors) {
    steps.push({
      anchor: 'concept-cors-check',
      outcome: 'fail',
      text: `the ${request.method} reached the server and was answered ${actual.status}, but ${describeReason(cors)}: the page cannot read it`,
    });
    return { verdict: 'blocked', stage: 'response', reason: cors, steps };
  }
  const location = getHeader(actual.headers, 'location');
  if (REDIRECT_STATUSES.includes(actual.status) && location !== null) {
    steps.push({
      anchor: 'concept-cors-check',
      outcome: 'pass',
      text: `the redirect (${actual.status}) passes the CORS check (Access-Control-Allow-Origin ${code(getHeader(actual.headers, 'access-control-allow-origin') ?? '')})`,
    });
    return { verdict: 'redirect', status: actual.status, location };
  }
  const exposed = exposedHeaderNames(request, actual);
  steps.push({
    anchor: 'concept-cors-check',
    outcome: 'pass',
    text: `the ${request.method} was answered ${actual.status} with Access-Control-Allow-Origin ${code(getHeader(actual.headers, 'access-control-allow-origin') ?? '')}: the page reads it (readable headers: ${exposed.join(', ') || 'none'})`,
  });
  return { verdict: 'allowed', status: actual.status, readable: exposed, steps };
}

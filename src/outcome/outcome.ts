import { z } from 'zod';
import { TOKEN } from '../fetch-standard/values.ts';

/**
 * The one Outcome of a cross-origin request: allowed (the status and the headers the page reads),
 * blocked at a stage (with the Fetch standard's reason where it is known), or unreachable (with a
 * cause that is never CORS). What an engine did, what the oracle reads on the wire, what a record or a
 * policy expects: all are this type, compared by `differences` and rendered by `describeOutcome`.
 */

/** Where a request stops: before anything is sent, at the preflight, or at the actual response. */
export const Stage = z.enum(['before-request', 'preflight', 'response']);
export type Stage = z.infer<typeof Stage>;

/** Why a target could not be reached: none of these is a CORS matter. */
export const UnreachableCause = z.enum([
  'connection-refused',
  'unknown-host',
  'tls',
  'timeout',
  /** A request reached the network and never got its answer (the exchange was still open). */
  'no-answer',
  'gateway-error',
  'connection-failed',
  'proxy-refused',
]);
export type UnreachableCause = z.infer<typeof UnreachableCause>;

const stage = { stage: Stage };

/**
 * What became of the cookies a credentialed request was to carry: `sent`, or `withheld` by the
 * engine's cookie policy (third-party cookie blocking, say), which CORS does not decide: a request
 * allowed with its cookie withheld reaches a session API as an anonymous one.
 */
export const CookieOutcome = z.enum(['sent', 'withheld']);
export type CookieOutcome = z.infer<typeof CookieOutcome>;
const headerList = z.array(z.string()).nullable();

/** Why the Fetch standard blocks a request: one code per rule, with the values that broke it. */
export const BlockReason = z.discriminatedUnion('code', [
  z.object({ code: z.literal('mixed-content'), pageOrigin: z.string(), url: z.string() }),
  z.object({ code: z.literal('bad-port'), url: z.string() }),
  z.object({ code: z.literal('preflight-status-not-ok'), status: z.number() }),
  z.object({ code: z.literal('allow-origin-missing'), ...stage }),
  z.object({ code: z.literal('allow-origin-mismatch'), ...stage, got: z.string(), origin: z.string() }),
  z.object({ code: z.literal('allow-origin-wildcard-with-credentials'), ...stage }),
  z.object({ code: z.literal('allow-credentials-not-true'), ...stage, got: z.string().nullable() }),
  z.object({ code: z.literal('allow-methods-malformed'), value: z.string() }),
  z.object({ code: z.literal('allow-headers-malformed'), value: z.string() }),
  z.object({
    code: z.literal('method-not-allowed'),
    method: z.string(),
    allowed: headerList,
    wildcardNeedsNoCredentials: z.boolean(),
  }),
  z.object({ code: z.literal('authorization-not-listed'), allowed: headerList }),
  z.object({ code: z.literal('mode-same-origin'), url: z.string(), origin: z.string() }),
  z.object({ code: z.literal('no-cors-method'), method: z.string() }),
  z.object({ code: z.literal('url-credentials'), url: z.string() }),
  z.object({
    code: z.literal('redirect-refused'),
    url: z.string(),
    why: z.enum(['redirect-mode-error', 'not-http', 'limit', 'credentials']),
  }),
  z.object({
    code: z.literal('header-not-allowed'),
    header: z.string(),
    allowed: headerList,
    wildcardNeedsNoCredentials: z.boolean(),
  }),
]);
export type BlockReason = z.infer<typeof BlockReason>;
export type BlockCode = BlockReason['code'];
export const BLOCK_CODES = BlockReason.options.map((o) => o.shape.code.value) as [BlockCode, ...BlockCode[]];

const Allowed = z
  .object({
    verdict: z.literal('allowed'),
    status: z.number().int(),
    /** The response header names the page can read, lower-case, sorted. */
    readable: z.array(z.string()),
    /**
     * Whether the request carried the cookies the scenario names (CookieOutcome); absent when it names
     * none. `withheld`: CORS let the request through, the engine kept a cookie back.
     */
    cookies: CookieOutcome.optional(),
  })
  .strict();
const Blocked = z
  .object({ verdict: z.literal('blocked'), ...stage, reason: BlockReason.optional() })
  .strict();
/**
 * Sent and answered, but nothing of the answer reaches the page: a `no-cors` request's opaque response
 * (status 0, no headers, no body), whatever CORS headers the server sent. Not a way to read an API.
 */
const Opaque = z.object({ verdict: z.literal('opaque') }).strict();
const Unreachable = z
  .object({ verdict: z.literal('unreachable'), cause: UnreachableCause, detail: z.string() })
  .strict();

export const Outcome = z.discriminatedUnion('verdict', [Allowed, Blocked, Opaque, Unreachable]);
export type Outcome = z.infer<typeof Outcome>;

const HeaderNames = z.array(z.string().regex(TOKEN, 'must be a header name (token)'));

/**
 * What an expectation states about an outcome: always the verdict; the status, the stage, the headers
 * the page must (`readable`) or must not (`hidden`) read, the reason and the cause where it says so.
 * A scenario record's `expect` is one; so is what a policy or an engine divergence makes of a request.
 */
export const ExpectedOutcome = z.discriminatedUnion('verdict', [
  z
    .object({
      verdict: z.literal('allowed'),
      /** The status the page reads. */
      status: z.number().int().min(100).max(599).optional(),
      /** Response headers the page must be able to read (lower-case names). */
      readable: HeaderNames.optional(),
      /** Response headers the server sends that the page must not be able to read. */
      hidden: HeaderNames.optional(),
      /** Whether the request carried the cookies the scenario names, or the engine withheld one. */
      cookies: CookieOutcome.optional(),
    })
    .strict(),
  z
    .object({
      verdict: z.literal('blocked'),
      /** Where the engine stopped: before sending anything, at the preflight, or at the CORS check of the response. */
      stage: Stage,
      /** The Fetch standard's reason, where the expectation names one (the engines' verdicts do not carry it). */
      reason: z.enum(BLOCK_CODES).optional(),
    })
    .strict(),
  Opaque,
  z.object({ verdict: z.literal('unreachable'), cause: UnreachableCause.optional() }).strict(),
]);
export type ExpectedOutcome = z.infer<typeof ExpectedOutcome>;

/** A header value as the reports quote it. */
export const code = (s: string) => `\`${s}\``;
/** A token list from a header as the reports write it: absent, empty, or its items. */
export const listText = (items: string[] | null) =>
  items === null ? 'absent' : items.length === 0 ? 'empty' : items.join(', ');

export function describeReason(reason: BlockReason): string {
  const where = (stage: Stage) => (stage === 'preflight' ? 'the preflight response' : 'the response');
  switch (reason.code) {
    case 'mixed-content':
      return `the page ${reason.pageOrigin} is https and ${reason.url} is plain http (and not loopback): mixed content is blocked before it is sent`;
    case 'bad-port':
      return `the port of ${reason.url} is a bad port: fetch refuses it before anything is sent`;
    case 'preflight-status-not-ok':
      return `the preflight was answered ${reason.status}, not an ok status (200-299)`;
    case 'allow-origin-missing':
      return `${where(reason.stage)} has no Access-Control-Allow-Origin`;
    case 'allow-origin-mismatch':
      return `Access-Control-Allow-Origin on ${where(reason.stage)} is ${code(reason.got)}, not the page origin ${code(reason.origin)}${reason.got.includes(',') ? ' (it must hold one origin, never a list)' : ''}`;
    case 'allow-origin-wildcard-with-credentials':
      return `${where(reason.stage)} allows origin ${code('*')}, which does not cover a request with credentials`;
    case 'allow-credentials-not-true':
      return `Access-Control-Allow-Credentials on ${where(reason.stage)} is ${reason.got === null ? 'absent' : code(reason.got)}, not ${code('true')}, and the request includes credentials`;
    case 'allow-methods-malformed':
      return `Access-Control-Allow-Methods ${code(reason.value)} is not a list of method tokens`;
    case 'allow-headers-malformed':
      return `Access-Control-Allow-Headers ${code(reason.value)} is not a list of header names`;
    case 'method-not-allowed':
      return `Access-Control-Allow-Methods from the preflight (${listText(reason.allowed)}) does not list ${code(reason.method)}${reason.wildcardNeedsNoCredentials ? `; ${code('*')} does not count for a request with credentials` : ''}`;
    case 'authorization-not-listed':
      return `Access-Control-Allow-Headers from the preflight (${listText(reason.allowed)}) does not list ${code('authorization')}, which ${code('*')} never covers`;
    case 'mode-same-origin':
      return `the request's mode is \`same-origin\` and ${reason.url} is not of the origin ${code(reason.origin)}: refused before it is sent`;
    case 'url-credentials':
      return `${reason.url} holds a username or password, which fetch() refuses before anything is sent (send them in the Authorization header)`;
    case 'redirect-refused': {
      const why = {
        'redirect-mode-error': "the request's redirect mode is `error`",
        'not-http': 'its scheme is not http(s)',
        limit: 'the request has already been redirected 20 times',
        credentials: 'it holds a username or password, on another origin than the page',
      }[reason.why];
      return `the redirect to ${reason.url} is a network error: ${why}`;
    }
    case 'no-cors-method':
      return `${code(reason.method)} is not a CORS-safelisted method, which a \`no-cors\` request must use: refused before it is sent`;
    case 'header-not-allowed':
      return `Access-Control-Allow-Headers from the preflight (${listText(reason.allowed)}) does not list ${code(reason.header)}${reason.wildcardNeedsNoCredentials ? `; ${code('*')} does not count for a request with credentials` : ''}`;
  }
}

const blockedAt = (s: Stage) =>
  s === 'before-request' ? 'blocked before any request was sent' : `blocked at the ${s}`;

const COOKIE_WITHHELD =
  "the engine withheld the request's cookie: CORS let it through, the engine's cookie policy kept the cookie back (third-party cookie blocking, say), so a session API sees an anonymous request";

/** The outcome in one line: the verdict and, when known, why. */
export function describeOutcome(outcome: Outcome): string {
  switch (outcome.verdict) {
    case 'allowed':
      return `allowed (status ${outcome.status})${outcome.cookies === 'withheld' ? `, but ${COOKIE_WITHHELD}` : ''}`;
    case 'blocked':
      return `${blockedAt(outcome.stage)}${outcome.reason ? `: ${describeReason(outcome.reason)}` : ''}`;
    case 'opaque':
      return 'sent, answered with an opaque response: the page reads no status, no header and no body';
    case 'unreachable':
      return `unreachable (${outcome.cause}): ${outcome.detail}`;
  }
}

/** What an expectation asks for, in one line. */
export function describeExpectedOutcome(expected: ExpectedOutcome): string {
  switch (expected.verdict) {
    case 'allowed': {
      const headers = [
        expected.readable?.length ? `reading ${expected.readable.join(', ')}` : null,
        expected.hidden?.length ? `not reading ${expected.hidden.join(', ')}` : null,
        expected.cookies ? `its cookie ${expected.cookies}` : null,
      ].filter(Boolean);
      return `allowed${expected.status !== undefined ? ` (status ${expected.status})` : ''}${headers.length ? `, ${headers.join(', ')}` : ''}`;
    }
    case 'blocked':
      return `${blockedAt(expected.stage)}${expected.reason ? ` (${expected.reason})` : ''}`;
    case 'opaque':
      return 'an opaque response (sent; nothing readable)';
    case 'unreachable':
      return `unreachable${expected.cause ? ` (${expected.cause})` : ''}`;
  }
}

/**
 * The one comparison: how `actual` departs from what `expected` states, one line per difference; empty
 * when it meets the expectation. Only the fields the expectation states are compared.
 */
export function differences(expected: ExpectedOutcome, actual: Outcome): string[] {
  if (expected.verdict !== actual.verdict)
    return [`expected ${describeExpectedOutcome(expected)}; got ${describeOutcome(actual)}`];
  const found: string[] = [];
  if (expected.verdict === 'allowed' && actual.verdict === 'allowed') {
    if (expected.status !== undefined && expected.status !== actual.status)
      found.push(`expected status ${expected.status}; got ${actual.status}`);
    const missing = (expected.readable ?? []).filter((n) => !actual.readable.includes(n.toLowerCase()));
    if (missing.length > 0)
      found.push(
        `expected the page to read ${missing.join(', ')}; it reads ${actual.readable.join(', ') || 'nothing'}`,
      );
    const leaked = (expected.hidden ?? []).filter((n) => actual.readable.includes(n.toLowerCase()));
    if (leaked.length > 0)
      found.push(`expected ${leaked.join(', ')} hidden from the page; the page reads it`);
    if (expected.cookies && actual.cookies && expected.cookies !== actual.cookies)
      found.push(
        actual.cookies === 'withheld'
          ? `expected the request's cookie sent; ${COOKIE_WITHHELD}`
          : `expected the engine to withhold the request's cookie; it sent it`,
      );
  }
  if (expected.verdict === 'blocked' && actual.verdict === 'blocked') {
    if (expected.stage !== actual.stage)
      found.push(`expected ${blockedAt(expected.stage)}; got ${describeOutcome(actual)}`);
    else if (expected.reason && actual.reason && expected.reason !== actual.reason.code)
      found.push(`expected the reason ${expected.reason}; got ${describeReason(actual.reason)}`);
  }
  if (expected.verdict === 'unreachable' && actual.verdict === 'unreachable') {
    if (expected.cause && expected.cause !== actual.cause)
      found.push(`expected unreachable (${expected.cause}); got ${describeOutcome(actual)}`);
  }
  return found;
}

/**
 * An outcome as an exact expectation: the same verdict and stage, and (for allowed) exactly the
 * headers `present` that it reads, the others hidden. Used to hold one reading against another.
 */
export function exactly(outcome: Outcome, present: string[] = []): ExpectedOutcome {
  switch (outcome.verdict) {
    case 'allowed': {
      const readable = outcome.readable;
      const hidden = present.map((n) => n.toLowerCase()).filter((n) => !readable.includes(n));
      return { verdict: 'allowed', readable, hidden: [...new Set(hidden)] };
    }
    case 'blocked':
      return { verdict: 'blocked', stage: outcome.stage };
    case 'opaque':
      return { verdict: 'opaque' };
    case 'unreachable':
      return { verdict: 'unreachable', cause: outcome.cause };
  }
}

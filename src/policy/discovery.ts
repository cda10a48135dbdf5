import { getHeader, type HeaderList, isCorsSafelistedMethod } from '../fetch-standard/rules.ts';
import { HOSTILE_HOST } from '../flaws/flaws.ts';
import { describeOutcome, type Outcome } from '../outcome/outcome.ts';
import type { WireExchange } from '../wire/exchange.ts';
import { lookalikesOf } from './contract.ts';
import { type Policy, PolicyModel } from './policy.ts';

/**
 * Discovery: with a URL and no policy, real engines find out what the endpoint allows. Each probe is
 * a fetch from a page origin (the run's, look-alikes of it, `null`, a hostile one), with methods and
 * headers one at a time; the engine's verdict says what is allowed, the wire says what the server
 * answered. The result is a policy a person can review and pass back as CORS_POLICY, a short
 * profile, and the findings that are insecure whatever the owner intended.
 */

export interface Probe {
  /** What the probe asks, in words: "GET from https://evil.example with credentials". */
  label: string;
  origin: string;
  method: string;
  headers: Record<string, string>;
  credentials: 'omit' | 'include';
}

export interface ProbeResult {
  probe: Probe;
  verdict: Outcome;
  wire: WireExchange[];
}

/** Runs one probe in a real engine (the spec gives it a page per origin and the recording proxy). */
export type ProbeRunner = (probe: Probe) => Promise<ProbeResult>;

export interface Insecurity {
  what: string;
  evidence: string;
}

export interface Discovery {
  /** The inferred policy, valid as CORS_POLICY (checked against the policy schema). */
  policy: Policy;
  results: ProbeResult[];
  /** What is insecure whatever the owner intended: the only failures discovery reports. */
  insecure: Insecurity[];
  /** Lines of the profile, for the console and the report. */
  profile: string[];
  /** Set when the endpoint could not be reached at all: nothing else was inferred. */
  unreachable?: string;
}

/** Headers worth trying beyond those the preflight answer names. */
export const COMMON_HEADERS = ['Authorization', 'Content-Type', 'apikey', 'X-Api-Key', 'X-Requested-With'];
/**
 * Methods tried one by one. HEAD too: many servers answer it as GET (Express, Flask) and others 404
 * (a Digibee trigger that does not list it), and a HEAD from a page needs no preflight, so whether it
 * is served decides what the page gets.
 */
export const PROBED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** A header no server can have listed: allowed means Allow-Headers is `*` or echoes the request. */
const RANDOM_HEADER = 'X-Cors-Discovery-Zq7';
const NOT_SERVED = [404, 405, 501];

/** The page origins discovery calls from, for the recording proxy to serve. */
export function discoveryOrigins(pageOrigin: string): string[] {
  return [pageOrigin, hostileFor(pageOrigin), ...lookalikesOf(pageOrigin).map((l) => l.origin)];
}

/** The hostile origin, over the page's scheme (an https one calling an http endpoint is only mixed content). */
const hostileFor = (pageOrigin: string) => `${new URL(pageOrigin).protocol}//${HOSTILE_HOST}`;

const valueFor = (name: string, apiKey: { header: string; value: string } | undefined): string => {
  if (apiKey && name.toLowerCase() === apiKey.header.toLowerCase()) return apiKey.value;
  if (name.toLowerCase() === 'content-type') return 'application/json';
  if (name.toLowerCase() === 'authorization') return 'Bearer cors-discovery';
  return 'cors-discovery';
};

/** The last answer of a kind in a probe's wire. */
function answer(result: ProbeResult, kind: 'preflight' | 'actual'): WireExchange | undefined {
  return result.wire
    .filter((e) => (e.method === 'OPTIONS') === (kind === 'preflight') && e.status !== null)
    .at(-1);
}
const header = (exchange: WireExchange | undefined, name: string): string | null =>
  exchange ? getHeader(exchange.responseHeaders as HeaderList, name) : null;
const tokens = (value: string | null): string[] =>
  (value ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
const allowed = (r: ProbeResult | undefined) => r?.verdict.verdict === 'allowed';

/**
 * Probes the endpoint and infers its policy. `apiKey`: a key the owner gave (API_KEY), sent with
 * every probe so that the endpoint answers as it does to its own pages.
 */
export async function discover(
  run: ProbeRunner,
  pageOrigin: string,
  apiKey?: { header: string; value: string },
): Promise<Discovery> {
  const results: ProbeResult[] = [];
  const key: Record<string, string> = apiKey ? { [apiKey.header]: apiKey.value } : {};
  const probe = async (p: Omit<Probe, 'label'>, label: string) => {
    const result = await run({ ...p, headers: { ...key, ...p.headers }, label });
    results.push(result);
    return result;
  };
  const get = (origin: string, credentials: 'omit' | 'include', headers: Record<string, string> = {}) =>
    probe(
      { origin, method: 'GET', headers, credentials },
      `GET from ${origin}${credentials === 'include' ? ' with credentials' : ''}${Object.keys(headers).length ? ` with ${Object.keys(headers).join(', ')}` : ''}`,
    );

  const base = await get(pageOrigin, 'omit');
  if (base.verdict.verdict === 'unreachable') {
    const why = describeOutcome(base.verdict);
    return {
      policy: PolicyModel.parse({ methods: ['GET'] }),
      results,
      insecure: [],
      profile: [`${why}: nothing was inferred`],
      unreachable: why,
    };
  }
  // Origins: the page's, with credentials; a hostile one; the look-alikes of the page's (null, http twin...).
  const credentialed = await get(pageOrigin, 'include');
  const hostileOrigin = hostileFor(pageOrigin);
  const hostile = await get(hostileOrigin, 'include');
  // Without credentials too: a server that reflects without allowing credentials fails the one above.
  const hostileOmit = await get(hostileOrigin, 'omit');
  const lookalikes = [];
  for (const l of lookalikesOf(pageOrigin))
    lookalikes.push({ kind: l.kind, result: await get(l.origin, 'include') });

  // The preflight: a header no list holds makes the server show its Allow-Methods and Allow-Headers.
  const random = await get(pageOrigin, 'omit', { [RANDOM_HEADER]: '1' });
  const preflight = answer(random, 'preflight');
  const listedHeaders = tokens(header(preflight, 'access-control-allow-headers'));
  const listedMethods = tokens(header(preflight, 'access-control-allow-methods'));

  const methods: ProbeResult[] = [];
  for (const method of PROBED_METHODS.filter((m) => m !== 'GET'))
    methods.push(
      await probe(
        { origin: pageOrigin, method, headers: {}, credentials: 'omit' },
        `${method} from ${pageOrigin}`,
      ),
    );
  const headerNames = [
    ...new Map(
      [...listedHeaders.filter((h) => h !== '*'), ...COMMON_HEADERS]
        .filter((h) => !(apiKey && h.toLowerCase() === apiKey.header.toLowerCase()))
        .map((h) => [h.toLowerCase(), h]),
    ).values(),
  ];
  const headers: Array<{ name: string; result: ProbeResult }> = [];
  for (const name of headerNames)
    headers.push({ name, result: await get(pageOrigin, 'omit', { [name]: valueFor(name, apiKey) }) });

  // Inference: the engine's verdicts for what they decide, the wire for what they cannot tell apart.
  const acao = header(answer(base, 'actual'), 'access-control-allow-origin');
  const echoesHostile = [hostile, hostileOmit].some(
    (r) =>
      allowed(r) ||
      header(answer(r, 'actual'), 'access-control-allow-origin') === hostileOrigin ||
      header(answer(r, 'preflight'), 'access-control-allow-origin') === hostileOrigin,
  );
  const allowOrigin: Policy['allowOrigin'] =
    acao === '*'
      ? '*'
      : echoesHostile
        ? 'reflect'
        : allowed(base) || allowed(credentialed)
          ? [
              pageOrigin,
              ...lookalikes
                .filter((l) => allowed(l.result) && l.result.probe.origin !== 'null')
                .map((l) => l.result.probe.origin),
            ]
          : undefined;
  const anyHeader = allowed(random);
  // In the order the server lists them, those it does not list after.
  const rank = (name: string) => {
    const at = listedHeaders.findIndex((l) => l.toLowerCase() === name.toLowerCase());
    return at === -1 ? listedHeaders.length : at;
  };
  const allowHeaders: Policy['allowHeaders'] = anyHeader
    ? listedHeaders.includes('*')
      ? ['*']
      : 'reflect'
    : [
        // The key went with every probe: the base GET passing its preflight allowed it.
        ...(apiKey && allowed(base) && answer(base, 'preflight') ? [apiKey.header] : []),
        ...headers.filter((h) => allowed(h.result)).map((h) => h.name),
      ].sort((a, b) => rank(a) - rank(b));
  const allAll = [random, ...methods, ...headers.map((h) => h.result)];
  // The preflight an engine let through says how preflights are answered; a refused one only if none was.
  const preflightOf =
    allAll
      .filter(allowed)
      .map((r) => answer(r, 'preflight'))
      .find((e) => e !== undefined) ?? allAll.map((r) => answer(r, 'preflight')).find((e) => e !== undefined);
  const allowMethods = [
    ...listedMethods.filter((m) => isCorsSafelistedMethod(m) || m === '*'),
    ...methods
      .filter((r) => !isCorsSafelistedMethod(r.probe.method) && allowed(r))
      .map((r) => r.probe.method)
      .filter((m) => !listedMethods.includes(m)),
    ...listedMethods.filter(
      (m) =>
        !isCorsSafelistedMethod(m) && m !== '*' && methods.some((r) => r.probe.method === m && allowed(r)),
    ),
  ];
  const served = [base, ...methods]
    .map((r) => ({ method: r.probe.method, actual: answer(r, 'actual') }))
    .filter(
      (r) =>
        r.actual?.status !== undefined && r.actual.status !== null && !NOT_SERVED.includes(r.actual.status),
    )
    .map((r) => r.method);
  const preflightStatus = preflightOf?.status ?? undefined;
  if (preflightStatus !== undefined && preflightStatus !== null && preflightStatus < 300)
    served.push('OPTIONS');
  const errors = results
    .map((r) => answer(r, 'actual'))
    .filter((e): e is WireExchange => e !== undefined && e.status !== null && e.status >= 400);
  const errorStatuses = [...new Set(errors.map((e) => e.status as number))].sort();
  const errorsWithCors = errorStatuses.filter((s) =>
    errors.some((e) => e.status === s && header(e, 'access-control-allow-origin') !== null),
  );
  const maxAge = header(preflightOf, 'access-control-max-age');
  const policy = PolicyModel.parse({
    ...(allowOrigin ? { allowOrigin } : {}),
    allowMethods: [...new Set(allowMethods)],
    allowHeaders,
    exposeHeaders: tokens(
      header(answer(base, 'actual') ?? answer(credentialed, 'actual'), 'access-control-expose-headers'),
    ),
    allowCredentials: allowed(credentialed),
    ...(maxAge !== null && /^\d+$/.test(maxAge) ? { maxAge: Number(maxAge) } : {}),
    methods: served.length > 0 ? [...new Set(served)] : ['GET'],
    ...(preflightStatus ? { preflightStatus } : {}),
    ...(apiKey ? { apiKeyHeader: apiKey.header } : {}),
    corsOnErrors:
      errorsWithCors.length === 0
        ? false
        : errorsWithCors.length === errorStatuses.length
          ? true
          : errorsWithCors,
  });

  // What is insecure whatever the intent: credentialed reads by origins an attacker controls.
  const insecure: Insecurity[] = [];
  if (allowed(hostile))
    insecure.push({
      what: 'a hostile origin reads with credentials',
      evidence: `${hostile.probe.label}: the engine ${describeOutcome(hostile.verdict)}; Access-Control-Allow-Origin ${header(answer(hostile, 'actual'), 'access-control-allow-origin')} with credentials`,
    });
  const warnings: string[] = [];
  for (const l of lookalikes) {
    if (!allowed(l.result) || (l.kind !== 'null' && !Array.isArray(allowOrigin))) continue;
    // A subdomain of the page's host or its http twin: an attacker registers neither, though a taken-over
    // subdomain or a network attacker can use them. Often meant (`https://*.acme.com`): a warning.
    if (l.kind === 'subdomain' || l.kind === 'http-twin') {
      warnings.push(
        `WARNING: ${l.result.probe.label} is allowed (a ${l.kind} of ${pageOrigin}): make sure it is meant`,
      );
      continue;
    }
    insecure.push({
      what:
        l.kind === 'null'
          ? '`null` trusted with credentials'
          : `a ${l.kind} look-alike of ${pageOrigin} reads with credentials`,
      evidence: `${l.result.probe.label}: the engine ${describeOutcome(l.result.verdict)}`,
    });
  }

  const yes = (r: ProbeResult) => (allowed(r) ? 'allowed' : describeOutcome(r.verdict));
  const profile = [
    `Allow-Origin: ${allowOrigin === undefined ? 'none (no origin may read)' : JSON.stringify(allowOrigin)}; credentials: ${policy.allowCredentials ? 'allowed' : 'not allowed'}`,
    `methods allowed: ${(policy.allowMethods as string[]).join(', ') || 'none listed'}; served: ${policy.methods.join(', ')}`,
    `request headers allowed: ${Array.isArray(allowHeaders) ? allowHeaders.join(', ') || 'none' : allowHeaders}`,
    `response headers exposed: ${policy.exposeHeaders.join(', ') || 'none'}`,
    `preflight answered ${preflightStatus ?? 'never'}; error answers (${errorStatuses.join(', ') || 'none seen'}) carry CORS headers: ${JSON.stringify(policy.corsOnErrors)}`,
    ...(allowed(base) || allowOrigin !== undefined
      ? []
      : [
          `the page origin ${pageOrigin} is not allowed, so methods, headers and credentials cannot be seen from it: set PAGE_ORIGIN to an origin the endpoint allows`,
        ]),
    ...results.map((r) => `  ${r.probe.label}: ${yes(r)}`),
    ...warnings,
    ...(insecure.length > 0
      ? insecure.map((i) => `INSECURE: ${i.what} (${i.evidence})`)
      : ['nothing insecure: no credentialed read by a hostile origin, a look-alike or `null`']),
  ];
  return { policy, results, insecure, profile };
}

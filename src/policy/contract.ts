import type { Catalogue, CatalogueEntry } from '../../scenarios/load.ts';
import { type Citation, Scenario } from '../../scenarios/schema.ts';
import {
  isCorsSafelistedMethod,
  isCorsSafelistedRequestHeader,
  isForbiddenMethod,
  isForbiddenRequestHeader,
  isLoopbackHost,
} from '../fetch-standard/rules.ts';
import { HOSTILE_HOST } from '../flaws/flaws.ts';
import { namedOrigins, type Policy, sampleOf } from './policy.ts';

/**
 * The owner's own contract: scenarios generated from their policy, so that every origin, method,
 * header and exposed header they declared is actually sent by a real engine, with the negative probes
 * around them (an unlisted origin, method and header; look-alikes of each listed origin). Each goes
 * through the same schema, oracle, verdict and report as the catalogue; its expectation is derived
 * from the policy, so a failure names the declared value the endpoint does not honour.
 */

export const CONTRACT_AREA = 'contract';
export const CONTRACT_TITLE =
  "The owner's contract: the policy's own origins, methods, headers and exposed headers";

/** What the contract is generated from. */
export interface ContractSource {
  policy: Policy;
  /** Where the policy comes from (the policy file, or the realm file), for reports and errors. */
  file: string;
  /** The run's page origin: where the contract calls from when the policy allows any origin. */
  pageOrigin: string;
  /** The endpoint, when known: an http one cannot be called from https pages but on loopback (mixed content). */
  target?: URL;
  /** Whether the page has a credential to send (the policy's key or token). */
  hasCredential: boolean;
  /** The reference pipeline the contract runs against, and the id prefix naming it (reference mode). */
  pipeline?: string;
}

export interface Contract {
  scenarios: CatalogueEntry[];
  /** What the policy declares that the contract cannot send from a page, and why: never silent. */
  notProbed: string[];
}

/** A value as an id slug: `X-Trace-Id` -> `x-trace-id`, `https://a.b:8443` -> `https-a-b-8443`. */
export const slugOf = (value: string): string =>
  value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

const cite = (anchor: Citation & { source: 'fetch' }): Citation => anchor;
const CITES = {
  origin: cite({
    source: 'fetch',
    anchor: 'http-access-control-allow-origin',
    quote:
      'Access-Control-Allow-Origin: indicates whether the response can be shared, via returning the literal value of the Origin request header (which can be null) or * in a response.',
  }),
  method: cite({
    source: 'fetch',
    anchor: 'cors-preflight-fetch-0',
    quote:
      'If method is not in methods, request’s method is not a CORS-safelisted method, and request’s credentials mode is "include" or methods does not contain `*`, then return a network error.',
  }),
  header: cite({
    source: 'fetch',
    anchor: 'cors-preflight-fetch-0',
    quote:
      'For each unsafeName of the CORS-unsafe request-header names with request’s header list: if headerNames does not contain unsafeName, return a network error.',
  }),
  expose: cite({
    source: 'fetch',
    anchor: 'concept-response-cors-exposed-header-name-list',
    quote:
      'A response has an associated CORS-exposed header-name list (a list of zero or more header names).',
  }),
  credentials: cite({
    source: 'fetch',
    anchor: 'http-access-control-allow-credentials',
    quote:
      'Access-Control-Allow-Credentials: indicates whether the response can be shared when request’s credentials mode is "include".',
  }),
  errors: cite({
    source: 'fetch',
    anchor: 'concept-cors-check',
    quote:
      'To perform a CORS check for a request and response: let origin be the result of getting Access-Control-Allow-Origin from response’s header list.',
  }),
};

/**
 * A value a page can put in `name` that makes the request need a preflight for it: for the headers
 * the standard safelists with some values (Accept, Accept-Language, Content-Language, Content-Type,
 * Range), a value it does not safelist, or the preflight would not ask and the scenario could not fail.
 */
function probeValue(name: string): string {
  switch (name.toLowerCase()) {
    case 'content-type':
      return 'application/json';
    case 'authorization':
      return 'Bearer cors-conformance-probe';
    case 'accept':
      return 'application/x-cors"conformance"';
    case 'accept-language':
    case 'content-language':
      return 'cors_conformance';
    case 'range':
      return 'bytes=-1';
    default:
      return 'cors-conformance';
  }
}

/** A header no policy lists, to see that the endpoint refuses what it did not declare. */
const UNLISTED_HEADER = 'X-Cors-Conformance-Unlisted';
/** A header to send where the policy allows any (`*` or reflect). */
const ANY_HEADER = 'X-Cors-Conformance-Any';

/**
 * The look-alikes of a listed origin, one per misconfiguration class the suite names
 * (src/flaws/flaws.ts): each an origin an attacker can register, that a naive matcher lets in.
 */
export function lookalikesOf(origin: string): Array<{ kind: string; origin: string }> {
  const url = new URL(origin);
  const port = url.port ? `:${url.port}` : '';
  const host = url.hostname;
  const scheme = url.protocol;
  const out = [
    { kind: 'prefix', origin: `${scheme}//${host}.${HOSTILE_HOST}${port}` },
    { kind: 'suffix', origin: `${scheme}//evil${host}${port}` },
    { kind: 'substring', origin: `${scheme}//not${host}.${HOSTILE_HOST}${port}` },
    { kind: 'subdomain', origin: `${scheme}//evil.${host}${port}` },
  ];
  if (host.includes('.') && !/^[\d.]+$/.test(host))
    out.push({ kind: 'unescaped-dot', origin: `${scheme}//${host.replace('.', 'x')}${port}` });
  if (scheme === 'https:') out.push({ kind: 'http-twin', origin: `http://${host}${port}` });
  out.push({ kind: 'null', origin: 'null' });
  return out;
}

interface Draft {
  slug: string;
  description: string;
  spec: Citation;
  pageOrigin?: string;
  method?: string;
  headers?: Record<string, string>;
  sendApiKey?: boolean;
  credentials?: 'omit' | 'include';
  reads?: string[];
}

/** The contract of one policy. */
export function contractOf(source: ContractSource): Contract {
  const { policy } = source;
  const drafts: Draft[] = [];
  const notProbed: string[] = [];
  const key = source.hasCredential;
  const credentials = policy.allowCredentials ? 'include' : 'omit';

  // Where the allowed calls come from: the first exact origin, a pattern's sample, a regex's example.
  const allowed = policy.allowOrigin;
  const callers: Array<{ origin: string; rule: string }> = [];
  if (allowed === undefined || allowed === '*' || allowed === 'reflect') {
    callers.push({ origin: source.pageOrigin, rule: allowed ?? 'none' });
  } else {
    for (const rule of allowed) {
      if (typeof rule === 'object')
        for (const example of rule.examples) callers.push({ origin: example, rule: `/${rule.regex}/` });
      else callers.push({ origin: rule.includes('*') ? sampleOf(rule) : rule, rule });
    }
  }
  const home = callers[0]?.origin ?? source.pageOrigin;

  // Origins: each allowed one calls, with credentials where the policy allows them.
  for (const { origin, rule } of allowed === undefined ? [] : callers) {
    const from = rule === origin || rule === '*' || rule === 'reflect' ? '' : ` (allowed by ${rule})`;
    drafts.push({
      slug: `origin-${slugOf(origin)}-allowed`,
      description: `A page on ${origin}${from} calls the endpoint: Access-Control-Allow-Origin lets it read the answer.`,
      spec: CITES.origin,
      pageOrigin: origin,
      credentials,
    });
  }
  // Negative probes: a hostile origin (over the page's scheme: an https page calling an http endpoint
  // is only mixed content), and the look-alikes of each listed origin.
  const hostile = `${new URL(source.pageOrigin).protocol}//${HOSTILE_HOST}`;
  drafts.push({
    slug: 'origin-hostile-refused',
    description: `A page on ${hostile}, an origin no policy lists, calls the endpoint${credentials === 'include' ? ' with credentials' : ''}: only \`*\` or reflection would let it read.`,
    spec: CITES.origin,
    pageOrigin: hostile,
    credentials,
  });
  const target = source.target;
  if (target?.protocol === 'http:' && !isLoopbackHost(target.hostname))
    notProbed.push(
      `calls from https pages (look-alikes over https, \`null\` from a sandboxed https page): an https page cannot call ${target.origin} at all (mixed content), so they show nothing about CORS`,
    );
  for (const origin of namedOrigins(policy)) {
    for (const lookalike of lookalikesOf(origin)) {
      drafts.push({
        slug: `origin-${slugOf(origin)}-lookalike-${lookalike.kind}`,
        description: `A page on ${lookalike.origin}, a ${lookalike.kind} look-alike of the allowed ${origin}, calls the endpoint${credentials === 'include' ? ' with credentials' : ''}.`,
        spec: CITES.origin,
        pageOrigin: lookalike.origin,
        credentials,
      });
    }
  }

  // Methods: each allowed one, and one the policy does not list.
  const methods = policy.allowMethods;
  for (const method of Array.isArray(methods) ? methods : []) {
    if (method === '*' || method.toUpperCase() === 'OPTIONS') continue;
    if (isForbiddenMethod(method)) {
      notProbed.push(`method ${method}: fetch() refuses to send it`);
      continue;
    }
    drafts.push({
      slug: `method-${slugOf(method)}-allowed`,
      description: `A ${method} request from ${home}${isCorsSafelistedMethod(method) ? '' : ', preflighted,'} is allowed by Access-Control-Allow-Methods.`,
      spec: CITES.method,
      method,
    });
  }
  if (Array.isArray(methods) && !methods.includes('*')) {
    // A method fetch() sends that no policy lists, if it lists every usual one.
    const unlisted = ['PATCH', 'DELETE', 'PUT', 'PURGE'].find(
      (m) => !methods.some((l) => l.toUpperCase() === m),
    );
    if (unlisted)
      drafts.push({
        slug: `method-${slugOf(unlisted)}-unlisted-refused`,
        description: `A ${unlisted} request, a method the policy does not list, is refused at the preflight.`,
        spec: CITES.method,
        method: unlisted,
      });
    else notProbed.push('an unlisted method: the policy lists PATCH, DELETE, PUT and PURGE');
  } else notProbed.push(`an unlisted method: the policy allows every method (${JSON.stringify(methods)})`);

  // Request headers: each allowed one (with the page's key), all together, and one unlisted.
  const keyHeader = source.hasCredential
    ? policy.bearerTokenEnv
      ? 'authorization'
      : policy.apiKeyHeader.toLowerCase()
    : null;
  const headers = policy.allowHeaders;
  const sendable: string[] = [];
  for (const name of Array.isArray(headers) ? headers : [ANY_HEADER]) {
    if (name === '*') {
      sendable.push(ANY_HEADER);
      continue;
    }
    if (isForbiddenRequestHeader(name, probeValue(name))) {
      notProbed.push(`request header ${name}: a page cannot set it (forbidden request-header)`);
      continue;
    }
    if (isCorsSafelistedRequestHeader(name, probeValue(name))) {
      notProbed.push(`request header ${name}: no value a page sends makes it need a preflight`);
      continue;
    }
    if (!sendable.some((s) => s.toLowerCase() === name.toLowerCase())) sendable.push(name);
  }
  for (const name of sendable) {
    const isKey = name.toLowerCase() === keyHeader;
    const wildcard = name === ANY_HEADER ? ` (any header: Allow-Headers ${JSON.stringify(headers)})` : '';
    drafts.push({
      slug: `header-${slugOf(name)}-allowed`,
      description: isKey
        ? `The page sends its key in ${name}, the header the policy allows for it.`
        : `The page sends ${name}${wildcard}${key ? ' with its key' : ''}: the preflight allows it.`,
      spec: CITES.header,
      headers: isKey ? {} : { [name]: probeValue(name) },
    });
  }
  const others = sendable.filter((n) => n.toLowerCase() !== keyHeader);
  if (others.length > 1)
    drafts.push({
      slug: 'headers-all-allowed',
      description: `The page sends every header the policy allows at once (${others.join(', ')}): the preflight allows them together.`,
      spec: CITES.header,
      headers: Object.fromEntries(others.map((n) => [n, probeValue(n)])),
    });
  if (Array.isArray(headers) && !headers.includes('*'))
    drafts.push({
      slug: 'header-unlisted-refused',
      description: `The page sends ${UNLISTED_HEADER}, a header the policy does not list: the preflight refuses it.`,
      spec: CITES.header,
      headers: { [UNLISTED_HEADER]: 'cors-conformance' },
    });
  else notProbed.push(`an unlisted request header: the policy allows any (${JSON.stringify(headers)})`);

  // Exposed headers: each readable, and nothing else.
  for (const name of policy.exposeHeaders) {
    if (name === '*') continue;
    drafts.push({
      slug: `expose-${slugOf(name)}-readable`,
      description: `The page reads the ${name} response header, which Access-Control-Expose-Headers exposes.`,
      spec: CITES.expose,
      reads: [name.toLowerCase()],
    });
  }
  drafts.push({
    slug: 'unexposed-headers-hidden',
    description:
      'The page reads the safelisted response headers and those the policy exposes, and no other response header.',
    spec: CITES.expose,
  });

  // Credentials: a credentialed call from the allowed origin.
  drafts.push({
    slug: policy.allowCredentials ? 'credentials-allowed' : 'credentials-refused',
    description: policy.allowCredentials
      ? `A credentialed call from ${home} is shared: Access-Control-Allow-Credentials is true.`
      : `A credentialed call from ${home} is not shared: the policy does not allow credentials.`,
    spec: CITES.credentials,
    credentials: 'include',
  });

  // Error answers: whether the page can read them is what the policy says about corsOnErrors.
  if (policy.unauthorizedStatus !== undefined && !key)
    notProbed.push(
      `the ${policy.unauthorizedStatus} answer without a key: the policy gives the page no key or token to leave out`,
    );
  if (policy.unauthorizedStatus !== undefined && key)
    drafts.push({
      slug: `error-${policy.unauthorizedStatus}-without-key`,
      description: `A call without the key is answered ${policy.unauthorizedStatus}; the page reads that error only if the answer carries the CORS headers.`,
      spec: CITES.errors,
      sendApiKey: false,
    });
  const unserved = ['POST', 'GET', 'PUT', 'DELETE', 'PATCH'].find((m) => !policy.methods.includes(m));
  if (!unserved) notProbed.push('an unserved method: the endpoint serves every usual one');
  else
    drafts.push({
      slug: `error-${slugOf(unserved)}-not-served`,
      description: `A ${unserved}, a method the endpoint does not serve, is answered 404; the page reads it only if the answer carries the CORS headers.`,
      spec: CITES.errors,
      method: unserved,
    });

  const prefix = source.pipeline ? `${source.pipeline}-` : '';
  // Two values can share a slug (https://app.acme.com, https://app-acme.com): the later gets -2, -3...
  const used = new Map<string, number>();
  const unique = (slug: string) => {
    const n = (used.get(slug) ?? 0) + 1;
    used.set(slug, n);
    return n === 1 ? slug : `${slug}-${n}`;
  };
  const scenarios = drafts.map((draft) => {
    const scenario = Scenario.parse({
      id: `${CONTRACT_AREA}/${prefix}${unique(draft.slug)}`,
      description: draft.description,
      spec: [draft.spec],
      pipeline: source.pipeline ?? 'endpoint',
      ...(draft.pageOrigin && draft.pageOrigin !== source.pageOrigin ? { pageOrigin: draft.pageOrigin } : {}),
      ...(draft.pageOrigin === undefined && home !== source.pageOrigin ? { pageOrigin: home } : {}),
      request: {
        method: draft.method ?? 'GET',
        headers: draft.headers ?? {},
        sendApiKey: draft.sendApiKey ?? key,
        credentials: draft.credentials ?? 'omit',
      },
      ...(draft.reads ? { reads: draft.reads } : {}),
    });
    return { ...scenario, file: source.file, area: CONTRACT_AREA };
  });
  return { scenarios, notProbed };
}

/** The catalogue with the contract's scenarios added as its `contract` area. */
export function withContract(catalogue: Catalogue, contracts: Contract[], file: string): Catalogue {
  const scenarios = contracts.flatMap((c) => c.scenarios);
  if (scenarios.length === 0) return catalogue;
  return {
    ...catalogue,
    areas: [
      ...catalogue.areas,
      { area: CONTRACT_AREA, title: CONTRACT_TITLE, file, count: scenarios.length },
    ],
    scenarios: [...catalogue.scenarios, ...scenarios],
  };
}

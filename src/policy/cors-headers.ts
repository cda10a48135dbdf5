import { z } from 'zod';
import { HeaderName, HttpMethod, SerializedOrigin } from '../fetch-standard/values.ts';

/** The five CORS headers of the seed, plus Max-Age. Absent means "not configured here". */
export const CorsHeaders = z
  .object({
    allowOrigin: z
      .union([z.literal('*'), z.array(SerializedOrigin).min(1)])
      .optional()
      .describe('"*" or the list of origins allowed; a listed origin is echoed back with Vary: Origin'),
    allowMethods: z.array(HttpMethod).optional(),
    allowHeaders: z.array(HeaderName).optional(),
    exposeHeaders: z.array(HeaderName).optional(),
    allowCredentials: z.boolean().optional(),
    maxAge: z.number().int().nonnegative().optional(),
  })
  .strict();
export type CorsHeaders = z.infer<typeof CorsHeaders>;

/**
 * How the server decides whether to echo a request's Origin against `allowOrigin`'s list. `exact` is
 * right; the others are the flawed matchers CORS scanners look for, kept here so the suite can prove
 * it catches each one (server/realms/flaws).
 */
export const OriginMatching = z.enum([
  'exact',
  'reflect-any',
  'prefix',
  'suffix',
  'substring',
  'unescaped-regex',
  'any-subdomain',
  'ignore-scheme',
]);
export type OriginMatching = z.infer<typeof OriginMatching>;

/** The CORS response headers a configuration produces: shared by the reference server and the policy's simulation. */

/** How the origin list is answered: the exact match, or one of the flawed matchers. */
export interface CorsAnswerOptions {
  originMatching?: OriginMatching;
  /** Echo `null` to a request whose Origin is `null`. */
  trustNullOrigin?: boolean;
  /** Leave out `Vary: Origin` when the Allow-Origin depends on the request's Origin. */
  omitVary?: boolean;
  /**
   * Which origins are let in, when that is more than a list of origins (an owner's patterns, regular
   * expressions, reflection): replaces the list and the matching rule, and answers as a list does.
   */
  allowsOrigin?: (origin: string) => boolean;
}

export type ResponseKind = 'preflight' | 'actual';

const hostOf = (origin: string): string | null => {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
};

/** Whether one listed origin lets `origin` in under a matching rule (only `exact` is right). */
function matchesListed(listed: string, origin: string, matching: OriginMatching): boolean {
  const host = hostOf(origin);
  const listedHost = hostOf(listed) ?? listed;
  switch (matching) {
    case 'exact':
      return origin === listed;
    case 'reflect-any':
      return true;
    case 'prefix':
      return origin.startsWith(listed);
    case 'suffix':
      return origin.endsWith(listedHost);
    case 'substring':
      return origin.includes(listedHost);
    case 'unescaped-regex':
      // A regex written from the origin without escaping its dots: "." matches any character.
      return new RegExp(`^${listed}$`).test(origin);
    case 'any-subdomain':
      return (
        host !== null &&
        origin.startsWith(`${new URL(listed).protocol}//`) &&
        (host === listedHost || host.endsWith(`.${listedHost}`))
      );
    case 'ignore-scheme':
      return host === listedHost;
  }
}

/** Whether `origin` is let in by the list under a matching rule. */
export function originMatches(list: string[], origin: string, matching: OriginMatching): boolean {
  return list.some((listed) => matchesListed(listed, origin, matching));
}

/**
 * The CORS response headers for one request. An origin list is answered by echoing the matching
 * Origin with `Vary: Origin`, never as a comma list: Access-Control-Allow-Origin holds one origin
 * (https://fetch.spec.whatwg.org/#http-access-control-allow-origin) and every engine rejects a list.
 */
export function corsResponseHeaders(
  cors: CorsHeaders | null,
  requestOrigin: string | undefined,
  kind: ResponseKind,
  quirks: CorsAnswerOptions = {},
): Record<string, string> {
  if (cors === null) return {};
  const headers: Record<string, string> = {};
  const list = Array.isArray(cors.allowOrigin) ? cors.allowOrigin : null;
  const matching = quirks.originMatching ?? 'exact';
  const allows =
    quirks.allowsOrigin ??
    (list &&
      ((origin: string) =>
        origin === 'null'
          ? quirks.trustNullOrigin === true || matching === 'reflect-any'
          : originMatches(list, origin, matching)));
  if (cors.allowOrigin === '*') headers['access-control-allow-origin'] = '*';
  else if (allows) {
    // The answer depends on the Origin: a matching one is echoed, and caches are told so.
    if (!quirks.omitVary) headers.vary = 'Origin';
    if (requestOrigin !== undefined && allows(requestOrigin))
      headers['access-control-allow-origin'] = requestOrigin;
  }
  if (cors.allowCredentials) headers['access-control-allow-credentials'] = 'true';
  if (kind === 'preflight') {
    if (cors.allowMethods) headers['access-control-allow-methods'] = cors.allowMethods.join(', ');
    if (cors.allowHeaders) headers['access-control-allow-headers'] = cors.allowHeaders.join(', ');
    if (cors.maxAge !== undefined) headers['access-control-max-age'] = String(cors.maxAge);
  } else if (cors.exposeHeaders) {
    headers['access-control-expose-headers'] = cors.exposeHeaders.join(', ');
  }
  return headers;
}

/**
 * Raw headers replace computed ones of the same name (a null value just removes it); the result keeps
 * repeated names, which Node sends as separate header lines.
 */
export function withRawHeaders(
  computed: Record<string, string>,
  raw: Array<[string, string | null]> | undefined,
): Record<string, string | string[]> {
  if (!raw || raw.length === 0) return computed;
  const replaced = new Set(raw.map(([n]) => n.toLowerCase()));
  const result: Record<string, string | string[]> = Object.fromEntries(
    Object.entries(computed).filter(([n]) => !replaced.has(n.toLowerCase())),
  );
  for (const [name, value] of raw) {
    if (value === null) continue;
    const key = name.toLowerCase();
    const existing = result[key];
    result[key] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return result;
}

import { z } from 'zod';
import { HeaderName, HttpMethod, SLUG } from '../src/fetch-standard/values.ts';
import { CorsHeaders, OriginMatching } from '../src/policy/cors-headers.ts';
import { fromHeaderPairs } from '../src/policy/policy.ts';

/**
 * The reference realm's configuration, as data. It models what the seed document says a Digibee user
 * configures: CORS headers per pipeline or realm-wide (Global CORS Configuration), on HTTP, HTTP File
 * (download and upload) and REST triggers, and consumers' API keys sent in the `apikey` header.
 */

/** Raw response headers: a name with a value, or with null to leave the computed header out. */
const RawHeaders = z.array(z.tuple([HeaderName, z.string().nullable()]));
const Redirect = z
  .object({
    status: z.union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)]),
    /** A path on this server or an absolute URL; the request's query (and its token) is carried over. */
    to: z.string().min(1),
  })
  .strict();

/**
 * Deviations from a well-behaved trigger, as data: what some scenarios need a server to do (a
 * trailing slash in Allow-Origin, a 500 preflight, a redirect...). A pipeline with quirks is not
 * described by a policy, so its scenarios state their expectation in the record.
 */
export const Quirks = z
  .object({
    originMatching: OriginMatching.optional(),
    /** Echo `null` in Allow-Origin to a request whose Origin is `null` (sandboxed pages, data: URLs). */
    trustNullOrigin: z.boolean().optional(),
    /** Leave out `Vary: Origin` when the Allow-Origin depends on the request's Origin. */
    omitVary: z.boolean().optional(),
    /** A body on the preflight's answer (with a preflightStatus that allows one, such as 200). */
    preflightBody: z.string().min(1).optional(),
    /** The preflight's status instead of 204. */
    preflightStatus: z.number().int().min(200).max(599).optional(),
    /** The actual response's status instead of the trigger's (CORS headers still sent). */
    actualStatus: z.number().int().min(200).max(599).optional(),
    /** Raw headers on the preflight / actual response: they replace computed headers of the same name and may repeat a name. */
    preflightHeaders: RawHeaders.optional(),
    actualHeaders: RawHeaders.optional(),
    /**
     * Answer a preflight's Allow-Methods and Allow-Headers with what it asked for (its
     * Access-Control-Request-Method and -Headers), as servers that reflect the request do.
     */
    reflectPreflightRequest: z.boolean().optional(),
    /**
     * The actual answer's body and Content-Type instead of the trigger's: a stream of server-sent
     * events (`text/event-stream`) for an EventSource, a script (`text/javascript`) for a script element.
     */
    body: z
      .object({ type: z.string().min(3), text: z.string() })
      .strict()
      .optional(),
    /** Answer the actual request with a redirect (with the pipeline's CORS headers). */
    redirect: Redirect.optional(),
    /** Answer the preflight with a redirect. */
    redirectPreflight: Redirect.optional(),
    /** Cache-Control on the actual response (to observe the HTTP cache and Vary). */
    cacheControl: z.string().optional(),
    /**
     * The pipeline runs past its Maximum Timeout: the actual request is answered 500 without a body
     * (Digibee's HTTP File trigger page). That the answer carries no CORS headers is this server's
     * choice, as for the 404 of a method not configured (seed, example 3): Digibee's pages are silent.
     */
    exceedsMaximumTimeout: z.boolean().optional(),
  })
  .strict();
export type Quirks = z.infer<typeof Quirks>;

export const TriggerKind = z.enum(['rest', 'http', 'http-file-download', 'http-file-upload']);

/**
 * The methods an HTTP File trigger accepts unless its Methods parameter says otherwise (Digibee's HTTP
 * File trigger page: "POST, PUT, GET, PATCH and DELETE"): OPTIONS is not among them, so a preflight to
 * such a trigger is not served. A realm file may leave `methods` out for HTTP File and REST triggers.
 */
export const HTTP_FILE_DEFAULT_METHODS = ['POST', 'PUT', 'GET', 'PATCH', 'DELETE'];
/** A REST or HTTP trigger's Methods when none are given (Digibee's REST and HTTP Trigger pages): OPTIONS among them. */
export const REST_DEFAULT_METHODS = ['POST', 'PUT', 'GET', 'PATCH', 'DELETE', 'OPTIONS'];
export const isHttpFileTrigger = (trigger: unknown): boolean =>
  trigger === 'http-file-download' || trigger === 'http-file-upload';
export type TriggerKind = z.infer<typeof TriggerKind>;

/**
 * CORS headers as key/value pairs, as typed in Digibee (`{"Access-Control-Allow-Origin": "*", ...}`),
 * kept as typed and validated: an unknown key or a value the CORS layer cannot hold is an error naming
 * the key. corsOfPairs reads them into the layer's fields.
 */
export const CorsHeaderPairs = z.record(z.string(), z.string()).superRefine((pairs, ctx) => {
  const issue = (path: PropertyKey[], message: string) =>
    ctx.addIssue({ code: 'custom', path: path as Array<string | number>, message });
  const parsed = CorsHeaders.safeParse(readPairs(pairs, issue));
  if (parsed.success) return;
  // An issue of a field is named by the key that set it.
  const keyOf = (field: PropertyKey) =>
    Object.keys(pairs).find((k) => headerField(k) === field) ?? String(field);
  for (const i of parsed.error.issues) issue([keyOf(i.path[0] ?? ''), ...i.path.slice(1)], i.message);
});

/** The CORS layer's fields of key/value pairs that CorsHeaderPairs accepted. */
export const corsOfPairs = (pairs: Record<string, string>): CorsHeaders =>
  CorsHeaders.parse(readPairs(pairs, () => {}));

/**
 * The pairs read into fields. An Allow-Origin list that holds `*` (the policy page's own example:
 * "http://example.com, https://sub.example.com, *") lets any origin in: this server answers it `*`.
 * How the platform sends such a list, its pages do not say.
 */
function readPairs(
  pairs: Record<string, string>,
  issue: (path: PropertyKey[], message: string) => void,
): Record<string, unknown> {
  const fields = fromHeaderPairs(pairs, issue);
  if (Array.isArray(fields.allowOrigin) && fields.allowOrigin.includes('*')) fields.allowOrigin = '*';
  return fields;
}

/** The CORS layer's field a Digibee header key sets (Access-Control-Allow-Origin: allowOrigin). */
function headerField(key: string): string {
  return key
    .toLowerCase()
    .replace(/^access-control-/, '')
    .replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

export const Pipeline = z
  .object({
    name: z.string().regex(SLUG, 'must be lower-case letters, digits and dashes'),
    /** The major version in the URL: /pipeline/{realm}/v{major}/{pipeline}. */
    major: z.number().int().positive().default(1),
    trigger: TriggerKind,
    /** The HTTP methods the trigger serves; any other method is answered 404 Not Found. */
    methods: z.array(HttpMethod).min(1),
    /**
     * This pipeline's CORS headers (its trigger's "Add Cross-Origin Resource Sharing (CORS)" pairs); how
     * they meet the realm's policy is the policy's to say (CorsHttpHeaderPolicy).
     */
    cors: CorsHeaders.optional(),
    /**
     * The same headers as a Digibee user types them in the trigger ("CORS Headers", key/value pairs:
     * `{"Access-Control-Allow-Methods": "GET,POST"}`), instead of `cors`.
     */
    corsHeaders: CorsHeaderPairs.optional(),
    /** When set, requests other than the preflight must carry this value in the `apikey` header. */
    apiKey: z.string().min(1).optional(),
    /**
     * The trigger's JWT option: requests other than the preflight must carry `Authorization: Bearer
     * <jwt>`; this server checks the token by equality (what CORS sees is the header, not the signature).
     */
    jwt: z.string().min(1).optional(),
    /**
     * The trigger's Basic Auth option: requests other than the preflight must carry `Authorization:
     * Basic <base64 of username:password>`.
     */
    basicAuth: z
      .object({ username: z.string().min(1), password: z.string().min(1) })
      .strict()
      .optional(),
    /** Extra headers on every non-preflight response (to test Access-Control-Expose-Headers). */
    responseHeaders: z.record(HeaderName, z.string()).default({}),
    quirks: Quirks.optional(),
    /** What the pipeline is for, for people reading the realm. */
    note: z.string().optional(),
  })
  .strict();
export type Pipeline = z.infer<typeof Pipeline>;

/** A realm's environments: each has its own policy configuration and its own host. */
export const ENVIRONMENTS = ['prod', 'test'] as const;
export const Environment = z.enum(ENVIRONMENTS);
export type Environment = z.infer<typeof Environment>;

/**
 * Digibee's CORS HTTP header policy (Administration > Policies > Transformation) for one environment:
 * the key/value pairs, and the option "Don't override the pipeline's header configuration with the
 * following new configuration", off by default. Off: for a key both set, the policy's value is sent;
 * on: the pipeline's. Keys only one of them sets are sent as set.
 */
export const CorsHttpHeaderPolicy = z
  .object({
    headers: CorsHeaderPairs,
    dontOverride: z.boolean().default(false),
  })
  .strict();
export type CorsHttpHeaderPolicy = z.infer<typeof CorsHttpHeaderPolicy>;

/**
 * Digibee's External API access policy, per environment: every pipeline exposed to external calls must
 * use an API key (`api-key`), a JWT and an API key (`jwt-with-api-key`), or none in particular (`any`). A
 * pipeline that does not is not deployed: here, the realm file is refused, naming it.
 */
export const ExternalApiAccess = z.enum(['api-key', 'jwt-with-api-key', 'any']);

export const RealmConfig = z
  .object({
    name: z.string().regex(SLUG, 'must be lower-case letters, digits and dashes'),
    /** For a flawed profile: the one misconfiguration it has, in words. */
    flaw: z.string().optional(),
    /** The realm's CORS HTTP header policy, per environment (the seed's Global CORS Configuration). */
    corsPolicy: z.partialRecord(Environment, CorsHttpHeaderPolicy).default({}),
    externalApiAccess: z.partialRecord(Environment, ExternalApiAccess).default({}),
    pipelines: z.array(Pipeline).min(1),
    /**
     * Pipelines whose owner's contract (src/policy/contract.ts) runs against this realm: scenarios
     * generated from each one's configuration, as for a TARGET_URL with its policy.
     */
    contract: z.array(z.string().regex(SLUG)).default([]),
  })
  .strict()
  .superRefine((realm, ctx) => {
    realm.contract.forEach((name, index) => {
      if (!realm.pipelines.some((p) => p.name === name))
        ctx.addIssue({
          code: 'custom',
          path: ['contract', index],
          message: `"${name}" is not a pipeline of the realm`,
        });
    });
    realm.pipelines.forEach((pipeline, index) => {
      if (pipeline.cors && pipeline.corsHeaders)
        ctx.addIssue({
          code: 'custom',
          path: ['pipelines', index, 'corsHeaders'],
          message: 'is given with `cors`: give the CORS headers one way, as fields or as typed pairs',
        });
    });
    for (const [environment, access] of Object.entries(realm.externalApiAccess)) {
      realm.pipelines.forEach((pipeline, index) => {
        const missing =
          access === 'any'
            ? null
            : pipeline.apiKey === undefined
              ? 'an API key (apiKey)'
              : access === 'jwt-with-api-key' && pipeline.jwt === undefined
                ? 'a JWT (jwt) besides its API key'
                : null;
        if (missing)
          ctx.addIssue({
            code: 'custom',
            path: ['pipelines', index],
            message: `"${pipeline.name}" cannot be deployed in ${environment}: the External API access policy (${access}) requires ${missing}`,
          });
      });
    }
    const seen = new Map<string, number>();
    realm.pipelines.forEach((pipeline, index) => {
      const key = `v${pipeline.major}/${pipeline.name}`;
      const first = seen.get(key);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['pipelines', index, 'name'],
          message: `duplicates pipelines[${first}] (${key})`,
        });
      }
      seen.set(key, index);
    });
  });
export type RealmConfig = z.infer<typeof RealmConfig>;

import { z } from 'zod';
import { Environment, Pipeline } from '../server/realm-schema.ts';
import {
  FETCH_ANCHORS,
  isForbiddenMethod,
  isForbiddenRequestHeader,
  normalizeMethod,
} from '../src/fetch-standard/rules.ts';
import { SerializedOrigin, SLUG, TOKEN } from '../src/fetch-standard/values.ts';
import { ExpectedOutcome } from '../src/outcome/outcome.ts';
import { WPT_BEHAVIOURS } from './wpt-behaviours.ts';

/**
 * The scenario catalogue's schema: the single source of the catalogue's types.
 * One file per area (scenarios/<area>.json); each record's id is `<area>/<slug>`.
 */

/** Where the seed document says it (the Digibee documentation page the project comes from). */
export const SEED_DOCUMENT = {
  title: 'How to use the CORS policy on the Digibee Integration Platform',
  url: 'https://docs.digibee.com/documentation/digibee-in-action/troubleshooting/governance-troubleshooting-guidance/how-to-cors-policy',
} as const;

export const SEED_SECTIONS = [
  'How it works',
  'Headers',
  'CORS on the Digibee Integration Platform',
  'Example 1: Successful request (authorized by the browser)',
  'Example 2: Unsuccessful request (denied by the browser)',
  'Example 3: Unsuccessful request (denied by the browser)',
] as const;

export const Citation = z.discriminatedUnion('source', [
  z
    .object({
      source: z.literal('fetch'),
      anchor: z.enum(FETCH_ANCHORS, {
        error: 'is not an anchor the catalogue knows (src/fetch-standard/rules.ts)',
      }),
      quote: z.string().min(10),
    })
    .strict(),
  z
    .object({
      source: z.literal('seed'),
      section: z.enum(SEED_SECTIONS),
      quote: z.string().min(10),
    })
    .strict(),
  /** A page of Digibee's documentation other than the seed, its URL written out, quoted. */
  z
    .object({
      source: z.literal('digibee'),
      url: z
        .url({ protocol: /^https$/ })
        .refine((u) => new URL(u).hostname === 'docs.digibee.com', 'must be a page of docs.digibee.com'),
      title: z.string().min(3),
      quote: z.string().min(10),
    })
    .strict(),
  /**
   * A web-platform-tests file that tests the same behaviour: `behaviour` is its number in
   * scenarios/wpt-behaviours.ts, `path` one of that behaviour's files, `quote` the test's name or a line.
   */
  z
    .object({
      source: z.literal('wpt'),
      behaviour: z.number().int(),
      path: z.string().min(3),
      quote: z.string().min(10),
    })
    .strict()
    .superRefine((citation, ctx) => {
      const behaviour = WPT_BEHAVIOURS.find((b) => b.id === citation.behaviour);
      if (!behaviour) {
        ctx.addIssue({
          code: 'custom',
          path: ['behaviour'],
          message: `is not a behaviour of scenarios/wpt-behaviours.ts (1 to ${WPT_BEHAVIOURS.length})`,
        });
      } else if (!behaviour.files.includes(citation.path)) {
        ctx.addIssue({
          code: 'custom',
          path: ['path'],
          message: `is not a file of WPT behaviour ${behaviour.id} (${behaviour.files.join(', ')})`,
        });
      }
    }),
]);

/** Where a WPT path is read (web-platform-tests' default branch). */
export const WPT_SOURCE = 'https://github.com/web-platform-tests/wpt/blob/master/';

/** Where a citation points, and its name in reports. */
export function citationLink(
  citation: Citation,
  specUrl: (anchor: string) => string,
): { url: string; name: string } {
  switch (citation.source) {
    case 'fetch':
      return { url: specUrl(citation.anchor), name: `Fetch: ${citation.anchor}` };
    case 'seed':
      return { url: SEED_DOCUMENT.url, name: `Digibee docs: ${citation.section}` };
    case 'digibee':
      return { url: citation.url, name: `Digibee docs: ${citation.title}` };
    case 'wpt':
      return { url: `${WPT_SOURCE}${citation.path}`, name: `WPT: ${citation.path}` };
  }
}
export type Citation = z.infer<typeof Citation>;

export const Level = z.enum(['must', 'should', 'info']);

export const RequestSpec = z
  .object({
    /**
     * The page API that sends it: `fetch` (the default); `event-source` (new EventSource(url,
     * {withCredentials}): a GET whose stream the page reads; no headers of its own, credentials
     * `include` for withCredentials); or `beacon` (navigator.sendBeacon(url, body): a POST that always
     * sends credentials, whose answer the page never reads; a Content-Type header makes the body a
     * Blob of that type); or `script` (a `<script crossorigin>` element: `anonymous`, or
     * `use-credentials` with credentials `include`; loaded or failed, the page reads no status or header).
     */
    api: z.enum(['fetch', 'event-source', 'beacon', 'script']).default('fetch'),
    method: z
      .string()
      .regex(TOKEN, 'must be an HTTP method token')
      .refine(
        (m) => !isForbiddenMethod(m),
        'is a forbidden method: fetch() refuses CONNECT, TRACE and TRACK',
      ),
    /** Header name -> value, as the page passes them to fetch(). */
    headers: z.record(z.string().regex(TOKEN, 'must be a header name (token)'), z.string()).default({}),
    /** Adds the target's API key in the `apikey` header, as Digibee consumers send it. */
    sendApiKey: z.boolean().default(false),
    credentials: z.enum(['omit', 'same-origin', 'include']).default('same-origin'),
    /**
     * fetch()'s mode: `cors` (the default), `no-cors` (an opaque response: a page reads nothing) or
     * `same-origin` (a cross-origin URL is refused before anything is sent).
     */
    mode: z.enum(['cors', 'no-cors', 'same-origin']).default('cors'),
    /**
     * fetch()'s redirect mode: `follow` (the default), `error` (a redirect is a network error) or
     * `manual` (the page gets an opaque-redirect response).
     */
    redirect: z.enum(['follow', 'error', 'manual']).default('follow'),
    /** A username and password written into the URL (`user:password@`), which fetch() refuses. */
    userinfo: z
      .string()
      .regex(/^[^:@/]+:[^@/]*$/, 'must be user:password')
      .optional(),
    /** fetch()'s referrerPolicy (the page's own applies when absent). */
    referrerPolicy: z
      .enum([
        'no-referrer',
        'no-referrer-when-downgrade',
        'same-origin',
        'origin',
        'strict-origin',
        'origin-when-cross-origin',
        'strict-origin-when-cross-origin',
        'unsafe-url',
      ])
      .optional(),
    /**
     * A cookie the page sets (document.cookie) before the fetch, e.g. "session=s1; Domain=example.test;
     * Path=/; Secure; SameSite=None", to observe whether the request carries it.
     */
    cookie: z.string().min(3).optional(),
    /** fetch()'s cache mode: `no-store` (the default here, so runs do not share answers) or `default`. */
    cache: z.enum(['no-store', 'default']).default('no-store'),
    /** Send from an iframe of this origin inside the page (same site: it shares the page's HTTP cache). */
    frameOrigin: SerializedOrigin.optional(),
    body: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('text'), text: z.string() }).strict(),
        z.object({ kind: z.literal('form-data'), fields: z.record(z.string(), z.string()) }).strict(),
        /** A text body of this many bytes, made in the page (a payload past a size limit, say). */
        z.object({ kind: z.literal('filler'), bytes: z.number().int().min(1).max(20_000_000) }).strict(),
      ])
      .optional(),
  })
  .strict()
  .superRefine((request, ctx) => {
    for (const [name, value] of Object.entries(request.headers)) {
      if (isForbiddenRequestHeader(name, value)) {
        ctx.addIssue({
          code: 'custom',
          path: ['headers', name],
          message:
            'is a forbidden request-header: the engine drops it silently (fetch.spec.whatwg.org/#forbidden-request-header)',
        });
      }
    }
    const method = normalizeMethod(request.method);
    const problem = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    if (request.api === 'event-source' || request.api === 'script') {
      const what = request.api === 'script' ? 'a script element' : 'an EventSource';
      if (method !== 'GET') problem('method', `must be GET: ${what} only sends GET`);
      if (Object.keys(request.headers).length > 0 || request.sendApiKey)
        problem('headers', `must be empty: ${what} sends no headers a page chooses`);
      if (request.credentials === 'omit')
        problem('credentials', `cannot be omit for ${what} (same-origin, or include for credentials)`);
      for (const field of ['referrerPolicy', 'userinfo', 'body', 'frameOrigin'] as const)
        if (request[field] !== undefined) problem(field, `is a fetch() option: ${what} has none`);
      if (request.mode !== 'cors') problem('mode', `is a fetch() option: ${what} has none`);
      if (request.redirect !== 'follow') problem('redirect', `is a fetch() option: ${what} has none`);
    }
    if (request.api === 'beacon') {
      if (method !== 'POST') problem('method', 'must be POST: sendBeacon only sends POST');
      if (
        Object.keys(request.headers).some((name) => name.toLowerCase() !== 'content-type') ||
        request.sendApiKey
      )
        problem('headers', 'may hold Content-Type alone: sendBeacon sends no other header a page chooses');
      if (request.credentials !== 'include')
        problem('credentials', 'must be include: sendBeacon always sends credentials');
      if (request.body !== undefined && request.body.kind !== 'text')
        problem('body', 'must be a text body for a beacon');
      for (const field of ['referrerPolicy', 'userinfo', 'frameOrigin'] as const)
        if (request[field] !== undefined) problem(field, 'is not an option of sendBeacon');
      if (request.mode !== 'cors') problem('mode', 'is not an option of sendBeacon');
      if (request.redirect !== 'follow') problem('redirect', 'is not an option of sendBeacon');
    }
    if (request.body && (method === 'GET' || method === 'HEAD'))
      problem('body', `fetch() rejects a body on ${method}`);
  });
export type RequestSpec = z.infer<typeof RequestSpec>;

/** A record's `expect`: the one ExpectedOutcome (src/outcome/outcome.ts). */
export const Expectation = ExpectedOutcome;
export type Expectation = ExpectedOutcome;

/** One request that reached the server, in order. */
export const WireStep = z
  .object({
    method: z.string().regex(TOKEN),
    status: z.number().int().min(100).max(599).optional(),
    /** The `Origin` the request carried (`null` after a tainting redirect, say). */
    origin: z.string().optional(),
    /** Request headers that must / must not be on this request (lower-case names), e.g. `cookie`. */
    with: z.array(z.string().regex(TOKEN)).optional(),
    without: z.array(z.string().regex(TOKEN)).optional(),
    /**
     * Cookies by name: whether this request's Cookie header carries one of that name (`true`) or not
     * (`false`), whatever other cookies the engine holds for the URL.
     */
    cookies: z.record(z.string().regex(TOKEN, 'must be a cookie name'), z.boolean()).optional(),
    /**
     * Request headers' exact values on this request, as the engine wrote them (byte for byte, so the
     * order of a list counts); `null`: the header is absent. Names in lower case.
     */
    headers: z
      .record(
        z.string().regex(/^[a-z0-9!#$%&'*+.^_`|~-]+$/, 'must be a lower-case header name'),
        z.string().nullable(),
      )
      .optional(),
  })
  .strict();

export type WireStep = z.infer<typeof WireStep>;

/** What one engine does instead of the standard, kept with the scenario (and flagged in reports). */
export const Divergence = z
  .object({
    expect: Expectation,
    wire: z.array(WireStep).optional(),
    /** What the engine does and what the standard says, with a bug link where there is one. */
    note: z.string().min(20),
    /** The backends it was seen on (others may behave by the standard). */
    backends: z
      .array(z.enum(['playwright', 'system-chromium', 'system-firefox-bidi', 'webkitgtk-webdriver']))
      .min(1),
  })
  .strict();

export const Scenario = z
  .object({
    id: z
      .string()
      .regex(
        /^[a-z0-9-]+\/[a-z0-9][a-z0-9-]*$/,
        'must be <area>/<slug> in lower-case letters, digits, dashes',
      ),
    /** A fact about the behaviour, not a wish: "is refused", never "should be refused". */
    description: z.string().min(20),
    level: Level.default('must'),
    spec: z
      .array(Citation)
      .min(1, 'needs at least one citation (a Fetch standard anchor, the seed or a Digibee page)'),
    /**
     * The reference realm's pipeline the scenario runs against. In an area file a record names one
     * here or states its answer inline (`server`, see ScenarioRecord); the loader then names the
     * pipeline it builds, so every loaded scenario has one.
     */
    pipeline: z.string().regex(SLUG),
    /**
     * `endpoint`: the request means something at any endpoint; against TARGET_URL it runs too, its
     * expectation derived from the owner's policy. `reference`: it tests how engines treat one
     * reference pipeline's particular answers, so it runs only against the reference realm.
     */
    scope: z.enum(['endpoint', 'reference']).default('endpoint'),
    /**
     * The page origin to call from (e.g. a hostile one); default: the run's PAGE_ORIGIN. `null` is an
     * opaque origin: a sandboxed page, whose requests carry `Origin: null`.
     */
    pageOrigin: z.union([SerializedOrigin, z.literal('null')]).optional(),
    /** The reference API's scheme (https by default); `http` from an https page is mixed content. */
    targetScheme: z.enum(['https', 'http']).default('https'),
    /**
     * The reference realm's environment the request goes to: each has its own host (`test.` before the
     * production one) and its own CORS HTTP header policy. Only with `scope: reference`.
     */
    environment: Environment.default('prod'),
    request: RequestSpec,
    /** Absent: derived from the pipeline's (or, against TARGET_URL, the owner's) policy. */
    expect: Expectation.optional(),
    /**
     * Response headers the page must read whenever the request is allowed, at any target (the
     * contract's exposed headers): added to the expectation a policy derives.
     */
    reads: z.array(z.string().regex(TOKEN)).optional(),
    /** What must reach the server, in order (the page never sees its preflight). */
    wire: z.array(WireStep).optional(),
    /** Requests sent first to the same URL (to fill a cache, say); their wire counts, their verdicts are not asserted. */
    before: z.array(RequestSpec).optional(),
    /** Send the same request this many times to the same URL (the preflight cache); each must meet `expect`. */
    repeat: z.number().int().min(1).max(5).default(1),
    /** Milliseconds to wait before each repeat (to let a preflight cache entry expire, say). */
    repeatAfterMs: z.number().int().min(1).max(5000).optional(),
    /**
     * Where web-platform-tests and the Fetch standard's text disagree: `expect` and `wire` state what
     * WPT asserts, which the engines do; the note says what the standard's text gives instead. Reports
     * show it, and no engine is called divergent for following WPT.
     */
    standardsDisagree: z
      .object({ note: z.string().min(40) })
      .strict()
      .optional(),
    /** Engines known to depart from the standard here, and what they do instead. */
    divergences: z
      .object({ chromium: Divergence, firefox: Divergence, webkit: Divergence })
      .partial()
      .strict()
      .optional(),
  })
  .strict();
export type Scenario = z.infer<typeof Scenario>;

/**
 * A record's server answer, stated inline: the reference pipeline the scenario runs against, with the
 * fields of a realm pipeline (server/realm-schema.ts) but `name`. The loader names it after the
 * scenario (`<area>--<slug>`) and adds it to the realm the run serves. Either a whole pipeline
 * (`trigger` and `methods` at least), or `extends`: a pipeline of the realm, changed by the fields
 * given here. Objects (`cors`, `quirks`, `responseHeaders`) merge key by key into the base's; any
 * other value (a list, a string, a number) replaces the base's. The base's `note` is not inherited.
 *
 * The flawed profiles (server/realms/flaws) patch realm pipelines by name: records of the areas they
 * probe (misconfig/, vary/) name a realm pipeline instead.
 */
export const ServerAnswer = z
  .object({
    /** A pipeline of the realm to start from (e.g. `cors-example`, the seed's trigger). */
    extends: z.string().regex(SLUG).optional(),
    major: Pipeline.shape.major.unwrap().optional(),
    trigger: Pipeline.shape.trigger.optional(),
    methods: Pipeline.shape.methods.optional(),
    cors: Pipeline.shape.cors,
    corsHeaders: Pipeline.shape.corsHeaders,
    apiKey: Pipeline.shape.apiKey,
    jwt: Pipeline.shape.jwt,
    basicAuth: Pipeline.shape.basicAuth,
    responseHeaders: Pipeline.shape.responseHeaders.unwrap().optional(),
    quirks: Pipeline.shape.quirks,
    note: Pipeline.shape.note,
  })
  .strict();
export type ServerAnswer = z.infer<typeof ServerAnswer>;

/**
 * One record as written in an area file: a Scenario whose answer comes from exactly one of `pipeline`
 * (the name of a realm pipeline, shared by several records) or `server` (stated inline, for this
 * record alone). The loader checks the "exactly one" and builds the inline pipeline.
 */
export const ScenarioRecord = Scenario.extend({
  pipeline: Scenario.shape.pipeline.optional(),
  server: ServerAnswer.optional(),
}).strict();
export type ScenarioRecord = z.infer<typeof ScenarioRecord>;

/** The fields a family gives its cases, and a case may override: a record's, but `id`. Checked case by case. */
const recordFields = Object.fromEntries(
  ScenarioRecord.keyof()
    .options.filter((key) => key !== 'id')
    .map((key) => [key, z.unknown().optional()]),
);

/**
 * One scenario of a family: its `slug` (the id is `<area>/<slug>`) and only what differs from the
 * family. A field given here replaces the family's, but `server`, which merges into the family's
 * like `extends` (objects key by key): a case states the status, the header or the value it varies.
 * Typically `description`, `server`, `expect` and `wire`; `spec` to cite something else than the family.
 */
export const FamilyCase = z
  .object({
    slug: z.string().regex(SLUG, 'must be lower-case letters, digits and dashes (the id is <area>/<slug>)'),
    ...recordFields,
  })
  .strict();

/**
 * Several scenarios that differ in a few fields, written once (as WPT parametrises one test): what
 * every case shares, and the `cases`. The loader expands a family where it stands into one record per
 * case, in order, each checked as a ScenarioRecord with its own id; the family itself has no id.
 */
export const Family = z
  .object({
    /** What the cases vary, in words (for people reading the file). */
    family: z.string().min(10),
    ...recordFields,
    cases: z.array(FamilyCase).min(2, 'needs at least two cases (one scenario is a plain record)'),
  })
  .strict();

export const AreaFile = z
  .object({
    $schema: z.string().optional(),
    area: z.string().regex(SLUG),
    title: z.string().min(3),
    /**
     * The area's scenarios, in the order they run: records (ScenarioRecord) and families (Family: an
     * item with `family` and `cases`), each checked by the loader on its own.
     */
    scenarios: z.array(z.record(z.string(), z.unknown())).min(1),
  })
  .strict();
export type AreaFile = z.infer<typeof AreaFile>;

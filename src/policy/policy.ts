import { z } from 'zod';
import {
  type FetchWire,
  type OracleReading,
  type OracleRequest,
  readWire,
} from '../fetch-standard/oracle.ts';
import { corsUnsafeRequestHeaderNames, type HeaderList } from '../fetch-standard/rules.ts';
import { HeaderName, HttpMethod, SerializedOrigin } from '../fetch-standard/values.ts';
import { type CorsHeaders, corsResponseHeaders } from './cors-headers.ts';

/**
 * The policy: what the endpoint's owner says they configured. Expected verdicts come from it: a
 * server configured like this answers so, and the Fetch standard then says what the engine does.
 *
 * A policy file states it field by field (`allowOrigin`, `allowHeaders`...) or, as a Digibee trigger
 * is configured, as the CORS header key/value pairs typed into it (`headers`); both read into the
 * same model. docs/policy.md documents every field with an example.
 */

/**
 * An origin pattern: a serialized origin whose host has `*` labels, as Spring's
 * allowedOriginPatterns, Kong and APISIX write them. `*` stands for one or more DNS labels:
 * `https://*.acme.com` allows `https://eu.acme.com` and `https://a.b.acme.com`, not `https://acme.com`.
 */
const ORIGIN_PATTERN = /^https?:\/\/(\*|[a-z0-9-]+)(\.(\*|[a-z0-9-]+))*(:\d{1,5})?$/;
/** An exact origin, or (with `*`) an origin pattern. */
export const OriginString = z.string().superRefine((value, ctx) => {
  if (value.includes('*')) {
    if (!ORIGIN_PATTERN.test(value))
      ctx.addIssue({
        code: 'custom',
        message: 'must be an origin pattern such as https://*.acme.com (`*` for whole host labels)',
      });
    return;
  }
  const origin = SerializedOrigin.safeParse(value);
  if (!origin.success)
    ctx.addIssue({ code: 'custom', message: origin.error.issues[0]?.message ?? 'bad origin' });
});

/** An origin regular expression, with origins it must allow (the contract calls from them). */
export const OriginRegex = z
  .object({
    regex: z.string().refine((source) => {
      try {
        new RegExp(source);
        return true;
      } catch {
        return false;
      }
    }, 'is not a valid regular expression'),
    /** Origins the expression allows: the contract calls from each (a regex alone gives it none to call from). */
    examples: z.array(SerializedOrigin).min(1, 'give at least one origin the expression allows'),
  })
  .strict()
  .superRefine((rule, ctx) => {
    let re: RegExp;
    try {
      re = new RegExp(rule.regex);
    } catch {
      return;
    }
    rule.examples.forEach((example, i) => {
      if (!re.test(example))
        ctx.addIssue({ code: 'custom', path: ['examples', i], message: `is not matched by ${rule.regex}` });
    });
  });

/** One entry of `allowOrigin`'s list: an exact origin, a pattern, or a regular expression. */
export const OriginRule = z.union([OriginString, OriginRegex]);
export type OriginRule = z.infer<typeof OriginRule>;

/** An error status (4xx or 5xx). */
const ErrorStatus = z.number().int().min(400).max(599);

/** The structured policy: what every run and every contract reads. */
const PolicyFields = {
  $schema: z.string().optional(),
  /**
   * `"*"`; `"reflect"` (the request's Origin echoed back, whatever it is: Flask-CORS's default,
   * expressjs/cors with `origin: true`); or the origins allowed (exact origins, patterns, regular
   * expressions), a matching one echoed back with `Vary: Origin`. Absent: no Allow-Origin at all.
   */
  allowOrigin: z.union([z.literal('*'), z.literal('reflect'), z.array(OriginRule).min(1)]).optional(),
  /** The methods in Access-Control-Allow-Methods, or `"reflect"`: the requested method echoed back. */
  allowMethods: z.union([z.literal('reflect'), z.array(HttpMethod)]).default([]),
  /** The headers in Access-Control-Allow-Headers, or `"reflect"`: the requested headers echoed back. */
  allowHeaders: z.union([z.literal('reflect'), z.array(HeaderName)]).default([]),
  exposeHeaders: z.array(HeaderName).default([]),
  allowCredentials: z.boolean().default(false),
  maxAge: z.number().int().nonnegative().optional(),
  /** The HTTP methods the endpoint serves; list OPTIONS when it answers preflights. */
  methods: z
    .array(HttpMethod)
    .min(1, 'list the methods the endpoint serves (with OPTIONS if it answers preflights)'),
  /** The status of the preflight answer (204 by default; many gateways answer 200). */
  preflightStatus: z.number().int().min(100).max(599).default(204),
  /** The API key the page sends (API_KEY in the environment overrides it); see `apiKeyHeader`. */
  apiKey: z.string().min(1).optional(),
  /** The header the API key goes in: `apikey` (Digibee's), `X-Api-Key`... */
  apiKeyHeader: HeaderName.default('apikey'),
  /**
   * The name of an environment variable holding a bearer token: the page sends it as
   * `Authorization: Bearer <token>`. The token never appears in a report.
   */
  bearerTokenEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable')
    .optional(),
  /**
   * The status the endpoint answers a request without its key or token with (401, 403...). Stated,
   * the contract checks whether the page can read that error (see `corsOnErrors`).
   */
  unauthorizedStatus: ErrorStatus.optional(),
  /**
   * Which error answers carry the CORS headers: `true` (all, as a global CORS middleware does), `false`
   * (none: a Digibee trigger's 404, seed example 3; API gateways' 401/403/429/5xx), or the statuses that do.
   */
  corsOnErrors: z.union([z.boolean(), z.array(ErrorStatus)]).default(false),
};

export const PolicyModel = z.object(PolicyFields).strict();
export type Policy = z.output<typeof PolicyModel>;

/** The CORS response headers a Digibee trigger takes as key/value pairs, and the field each one sets. */
const DIGIBEE_HEADERS = {
  'access-control-allow-origin': 'allowOrigin',
  'access-control-allow-methods': 'allowMethods',
  'access-control-allow-headers': 'allowHeaders',
  'access-control-expose-headers': 'exposeHeaders',
  'access-control-allow-credentials': 'allowCredentials',
  'access-control-max-age': 'maxAge',
} as const;

const splitList = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** Reads Digibee's key/value form into the model's fields; a value the model cannot hold is an issue. */
export function fromHeaderPairs(
  headers: Record<string, string>,
  addIssue: (path: PropertyKey[], message: string) => void,
): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    const field = DIGIBEE_HEADERS[name.toLowerCase() as keyof typeof DIGIBEE_HEADERS];
    if (!field) {
      const known = Object.keys(DIGIBEE_HEADERS).join(', ');
      addIssue([name], `is not a CORS response header (one of: ${known})`);
      continue;
    }
    if (field in fields) addIssue([name], `repeats ${field} (header names are case-insensitive)`);
    switch (field) {
      case 'allowOrigin':
        fields.allowOrigin = value.trim() === '*' ? '*' : splitList(value);
        break;
      case 'allowCredentials':
        if (value.trim() !== 'true' && value.trim() !== 'false')
          addIssue([name], `is "${value}": the engines accept only "true"`);
        fields.allowCredentials = value.trim() === 'true';
        break;
      case 'maxAge':
        if (!/^\d+$/.test(value.trim())) addIssue([name], `is "${value}", not a number of seconds`);
        fields.maxAge = Number(value.trim());
        break;
      default:
        fields[field] = splitList(value);
    }
  }
  return fields;
}

/**
 * A policy file: the structured fields, or `headers`, the CORS header key/value pairs exactly as typed
 * in a Digibee trigger (`{"Access-Control-Allow-Origin": "*", ...}`), with the endpoint's other facts
 * (`methods`, `apiKey`...). `corsOnNotFound`, the older spelling of `corsOnErrors: [404]`, still reads.
 */
const FileForms = z
  .object({
    headers: z.record(z.string(), z.string()).optional(),
    /** Deprecated spelling: `true` is `corsOnErrors: [404]`. */
    corsOnNotFound: z.boolean().optional(),
  })
  .loose();

export const Policy = z
  .record(z.string(), z.unknown(), { error: 'must be a JSON object' })
  .transform((raw, ctx) => {
    const issue = (path: PropertyKey[], message: string) =>
      ctx.issues.push({ code: 'custom', path, message, input: raw });
    const forms = FileForms.safeParse(raw);
    if (!forms.success) {
      for (const i of forms.error.issues) issue(i.path, i.message);
      return z.NEVER;
    }
    const { headers, corsOnNotFound, ...rest } = forms.data;
    let fields: Record<string, unknown> = rest;
    if (headers) {
      for (const field of Object.values(DIGIBEE_HEADERS).filter((f) => f in raw))
        issue([field], 'is given twice: in `headers` and as a field; keep one form');
      fields = {
        ...rest,
        ...fromHeaderPairs(headers, (path, message) => issue(['headers', ...path], message)),
      };
    }
    if (corsOnNotFound !== undefined) {
      if ('corsOnErrors' in raw)
        issue(['corsOnNotFound'], 'is the older spelling of corsOnErrors: give only corsOnErrors');
      else fields.corsOnErrors = corsOnNotFound ? [404] : false;
    }
    const parsed = PolicyModel.safeParse(fields);
    if (!parsed.success) {
      for (const i of parsed.error.issues) {
        // A field that came from `headers` is named by its header.
        const header = headers
          ? Object.keys(headers).find(
              (n) => DIGIBEE_HEADERS[n.toLowerCase() as keyof typeof DIGIBEE_HEADERS] === i.path[0],
            )
          : undefined;
        issue(header ? ['headers', header, ...i.path.slice(1)] : i.path, i.message);
      }
      return z.NEVER;
    }
    return ctx.issues.length > 0 ? z.NEVER : parsed.data;
  });

/** Whether `rule` lets `origin` in. */
export function ruleMatches(rule: OriginRule, origin: string): boolean {
  if (typeof rule === 'object') return new RegExp(rule.regex).test(origin);
  if (!rule.includes('*')) return rule === origin;
  const source = rule
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[a-z0-9-]+(?:\\.[a-z0-9-]+)*');
  return new RegExp(`^${source}$`).test(origin);
}

/** Whether the policy lets `origin` in (an origin list, patterns, regexes; `reflect` lets every origin in). */
export function policyAllowsOrigin(policy: Policy, origin: string): boolean {
  const allowed = policy.allowOrigin;
  if (allowed === undefined) return false;
  if (allowed === '*' || allowed === 'reflect') return true;
  return allowed.some((rule) => ruleMatches(rule, origin));
}

/** A sample origin a pattern allows: each `*` label is `cors-probe`. */
export const sampleOf = (pattern: string): string => pattern.replaceAll('*', 'cors-probe');

/**
 * The origins a policy names: its exact origins, a sample of each pattern, the examples of each
 * regular expression. The contract calls from them, and a look-alike is named against them. Empty
 * for `*`, `reflect` or no Allow-Origin.
 */
export function namedOrigins(policy: Policy): string[] {
  const allowed = policy.allowOrigin;
  if (!Array.isArray(allowed)) return [];
  return allowed.flatMap((rule) =>
    typeof rule === 'object' ? rule.examples : [rule.includes('*') ? sampleOf(rule) : rule],
  );
}

/** Whether an error answer with `status` carries the CORS headers. */
export function corsOnError(policy: Policy, status: number): boolean {
  return Array.isArray(policy.corsOnErrors) ? policy.corsOnErrors.includes(status) : policy.corsOnErrors;
}

/** The policy as the CORS layer's configuration for one request (patterns and reflection resolved). */
function corsHeadersFor(policy: Policy, request: OracleRequest, kind: 'preflight' | 'actual'): CorsHeaders {
  const requested = corsUnsafeRequestHeaderNames(request.headers);
  const allowHeaders = policy.allowHeaders === 'reflect' ? requested : policy.allowHeaders;
  const allowMethods = policy.allowMethods === 'reflect' ? [request.method] : policy.allowMethods;
  return {
    // A list, patterns or reflection: answered through `allowsOrigin` (see simulate).
    allowOrigin: policy.allowOrigin === '*' ? '*' : undefined,
    allowMethods: allowMethods.length > 0 ? allowMethods : undefined,
    allowHeaders: allowHeaders.length > 0 ? allowHeaders : undefined,
    exposeHeaders: policy.exposeHeaders.length > 0 ? policy.exposeHeaders : undefined,
    allowCredentials: policy.allowCredentials,
    maxAge: kind === 'preflight' ? policy.maxAge : undefined,
  };
}

const asList = (headers: Record<string, string>): HeaderList => Object.entries(headers);

/** The header the policy's key goes in, and whether the request carries it. */
function carriesKey(policy: Policy, request: OracleRequest): boolean {
  const name = policy.bearerTokenEnv ? 'authorization' : policy.apiKeyHeader.toLowerCase();
  return request.headers.some(([n]) => n.toLowerCase() === name);
}

/**
 * The wire a server configured with `policy` produces for `request`: the same CORS layer as the
 * reference server (src/policy/cors-headers.ts), so both modes derive expectations the same way.
 */
export function simulate(policy: Policy, request: OracleRequest): FetchWire {
  const served = (method: string) => policy.methods.includes(method);
  const answer = (status: number, kind: 'preflight' | 'actual') => ({
    status,
    headers:
      status < 400 || corsOnError(policy, status)
        ? asList(
            corsResponseHeaders(corsHeadersFor(policy, request, kind), request.origin, kind, {
              allowsOrigin:
                policy.allowOrigin === undefined || policy.allowOrigin === '*'
                  ? undefined
                  : (origin) => policyAllowsOrigin(policy, origin),
            }),
          )
        : [],
  });
  const unauthorized =
    policy.unauthorizedStatus !== undefined && !carriesKey(policy, request)
      ? policy.unauthorizedStatus
      : undefined;
  return {
    preflight: served('OPTIONS') ? answer(policy.preflightStatus, 'preflight') : answer(404, 'preflight'),
    actual: served(request.method) ? answer(unauthorized ?? 200, 'actual') : answer(404, 'actual'),
  };
}

/** What must happen to `request` at an endpoint configured with `policy`. */
export function expectFromPolicy(policy: Policy, request: OracleRequest): OracleReading {
  return readWire(request, simulate(policy, request));
}

/** What the policy itself grants that it should not: reported as flaws, never refused. */
export function policyWarnings(policy: Policy): Array<{ severity: 'failure' | 'warning'; text: string }> {
  const warnings: Array<{ severity: 'failure' | 'warning'; text: string }> = [];
  if (policy.allowOrigin === 'reflect' && policy.allowCredentials)
    warnings.push({
      severity: 'failure',
      text: 'allowOrigin "reflect" with allowCredentials: any web site can read this API with its visitors\' cookies',
    });
  if (policy.allowOrigin === '*' && policy.allowCredentials)
    warnings.push({
      severity: 'warning',
      text: 'allowOrigin "*" with allowCredentials: the engines refuse every credentialed read of it',
    });
  return warnings;
}

import { z } from 'zod';
import {
  type FetchWire,
  type OracleReading,
  type OracleRequest,
  readWire,
} from '../fetch-standard/oracle.ts';
import type { HeaderList } from '../fetch-standard/rules.ts';
import { HeaderName, HttpMethod, SerializedOrigin } from '../fetch-standard/values.ts';
import { corsResponseHeaders } from './cors-headers.ts';

/**
 * The policy: what the endpoint's owner says they configured, in the seed's terms. Expected verdicts
 * come from it: a server configured like this answers so, and the Fetch standard then says this.
 */
export const Policy = z
  .object({
    $schema: z.string().optional(),
    /** `"*"`, or the origins allowed (a listed origin is echoed back); absent: no Allow-Origin at all. */
    allowOrigin: z.union([z.literal('*'), z.array(SerializedOrigin).min(1)]).optional(),
    allowMethods: z.array(HttpMethod).default([]),
    allowHeaders: z.array(HeaderName).default([]),
    exposeHeaders: z.array(HeaderName).default([]),
    allowCredentials: z.boolean().default(false),
    maxAge: z.number().int().nonnegative().optional(),
    /** The HTTP methods the endpoint serves; list OPTIONS when it answers preflights. */
    methods: z
      .array(HttpMethod)
      .min(1, 'list the methods the endpoint serves (with OPTIONS if it answers preflights)'),
    /** Sent in the `apikey` header, as Digibee's consumers do (API_KEY in the environment overrides it). */
    apiKey: z.string().min(1).optional(),
    /**
     * Whether a method the endpoint does not serve is answered (404) with the CORS headers too.
     * Digibee triggers do not (seed, example 3); a server with a global CORS middleware usually does.
     */
    corsOnNotFound: z.boolean().default(false),
  })
  .strict();
export type Policy = z.infer<typeof Policy>;

function corsHeadersOf(policy: Policy) {
  return {
    allowOrigin: policy.allowOrigin,
    allowMethods: policy.allowMethods.length > 0 ? policy.allowMethods : undefined,
    allowHeaders: policy.allowHeaders.length > 0 ? policy.allowHeaders : undefined,
    exposeHeaders: policy.exposeHeaders.length > 0 ? policy.exposeHeaders : undefined,
    allowCredentials: policy.allowCredentials,
    maxAge: policy.maxAge,
  };
}

const asList = (headers: Record<string, string>): HeaderList => Object.entries(headers);

/**
 * The wire a server configured with `policy` produces for `request`: the same CORS layer as the
 * reference server (src/policy/cors-headers.ts), so both modes derive expectations the same way.
 */
export function simulate(policy: Policy, request: OracleRequest): FetchWire {
  const cors = corsHeadersOf(policy);
  const served = (method: string) => policy.methods.includes(method);
  const notFound = {
    status: 404,
    headers: policy.corsOnNotFound ? asList(corsResponseHeaders(cors, request.origin, 'actual')) : [],
  };
  return {
    preflight: served('OPTIONS')
      ? { status: 204, headers: asList(corsResponseHeaders(cors, request.origin, 'preflight')) }
      : notFound,
    actual: served(request.method)
      ? { status: 200, headers: asList(corsResponseHeaders(cors, request.origin, 'actual')) }
      : notFound,
  };
}

/** What must happen to `request` at an endpoint configured with `policy`. */
export function expectFromPolicy(policy: Policy, request: OracleRequest): OracleReading {
  return readWire(request, simulate(policy, request));
}

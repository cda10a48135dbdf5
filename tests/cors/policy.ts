import { z } from 'zod';
import { corsResponseHeaders, effectiveCors } from '../../server/cors-layer.ts';
import {
  HeaderName,
  HttpMethod,
  type Pipeline,
  type RealmConfig,
  SerializedOrigin,
} from '../../server/realm-schema.ts';
import type { HeaderList } from './fetch-standard.ts';
import { type FetchWire, type OracleReading, type OracleRequest, readWire } from './oracle.ts';

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

/**
 * A reference pipeline's configuration, seen as a policy (realm header merged in, header by header);
 * null for a pipeline with quirks, which no policy describes.
 */
export function policyOfPipeline(realm: RealmConfig, pipeline: Pipeline): Policy | null {
  if (pipeline.quirks && Object.keys(pipeline.quirks).length > 0) return null;
  const cors = effectiveCors(realm, pipeline) ?? {};
  return {
    allowOrigin: cors.allowOrigin,
    allowMethods: cors.allowMethods ?? [],
    allowHeaders: cors.allowHeaders ?? [],
    exposeHeaders: cors.exposeHeaders ?? [],
    allowCredentials: cors.allowCredentials ?? false,
    maxAge: cors.maxAge,
    methods: pipeline.methods,
    apiKey: pipeline.apiKey,
    corsOnNotFound: false,
  };
}

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
 * reference server (server/cors-layer.ts), so both modes derive expectations the same way.
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

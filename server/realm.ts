import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { check, InputError, readJson } from '../src/input/data-file.ts';
import { CorsHeaders } from '../src/policy/cors-headers.ts';
import type { Policy } from '../src/policy/policy.ts';
import {
  corsOfPairs,
  type Environment,
  HTTP_FILE_DEFAULT_METHODS,
  isHttpFileTrigger,
  Pipeline,
  Quirks,
  REST_DEFAULT_METHODS,
  RealmConfig,
} from './realm-schema.ts';

/** The realm the suite runs against by default: it reproduces the seed's example trigger. */
export const REFERENCE_REALM_FILE = fileURLToPath(new URL('./realms/reference.json', import.meta.url));

/**
 * A realm profile written as a change to another realm file: `extends` names the base (relative to
 * this file), `pipelines` patch the base's pipelines by name (their `cors` and `quirks` key by key).
 * The flawed profiles in server/realms/flaws are written so: each is the clean realm plus one flaw.
 */
const RealmOverlay = z
  .object({
    extends: z.string().min(1),
    name: z.string().optional(),
    flaw: z.string().min(10, 'say which flaw the profile has'),
    corsPolicy: z.record(z.string(), z.unknown()).optional(),
    pipelines: z.array(
      Pipeline.partial()
        .extend({ name: z.string(), cors: CorsHeaders.optional(), quirks: Quirks.optional() })
        .strict(),
    ),
  })
  .strict();

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `patch` over `base`, as realm overlays and records' inline answers are written: objects merge key by
 * key, any other value (a list, a string, a number) replaces the base's; an absent value changes nothing.
 */
export function merge(
  base: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const old = merged[key];
    merged[key] = isObject(old) && isObject(value) ? merge(old, value) : value;
  }
  return merged;
}

function readRealmValue(file: string, seen: string[]): unknown {
  if (seen.includes(file))
    throw new InputError([
      { file, field: 'extends', message: `extends itself through ${seen.join(' -> ')}` },
    ]);
  const read = readJson(file);
  if (!read.ok) throw new InputError(read.problems);
  const value = read.value as Record<string, unknown>;
  if (typeof value !== 'object' || value === null || !('extends' in value)) return value;
  const overlay = check(file, value, RealmOverlay);
  if (!overlay.ok) throw new InputError(overlay.problems);
  const { extends: basePath, pipelines, ...rest } = overlay.data;
  const base = readRealmValue(resolve(dirname(file), basePath), [...seen, file]) as Record<
    string,
    unknown
  > & { pipelines: Array<{ name: string }> };
  const byName = new Map(pipelines.map((p) => [p.name, p]));
  const patched = base.pipelines.map((p) => {
    const patch = byName.get(p.name);
    byName.delete(p.name);
    return patch ? merge(p, patch) : p;
  });
  return merge(base, { ...rest, pipelines: [...patched, ...byName.values()] });
}

/** A pipeline (as read, unchecked) without `methods`, given its trigger's documented defaults (realm-schema.ts). */
export function withMethodDefaults(p: unknown): unknown {
  if (!isObject(p) || p.methods !== undefined) return p;
  if (isHttpFileTrigger(p.trigger)) return { ...p, methods: HTTP_FILE_DEFAULT_METHODS };
  if (p.trigger === 'rest' || p.trigger === 'http') return { ...p, methods: REST_DEFAULT_METHODS };
  return p;
}

function withTriggerDefaults(realm: unknown): unknown {
  if (!isObject(realm) || !Array.isArray(realm.pipelines)) return realm;
  return { ...realm, pipelines: realm.pipelines.map(withMethodDefaults) };
}

/** Reads and validates a realm file (or a profile extending one); bad input names file and field. */
export function loadRealm(file: string = REFERENCE_REALM_FILE): RealmConfig {
  const path = resolve(file);
  const checked = check(file, withTriggerDefaults(readRealmValue(path, [])), RealmConfig);
  if (!checked.ok) throw new InputError(checked.problems);
  return checked.data;
}

/**
 * The trigger's CORS layer: which CORS headers a pipeline answers with in an environment. Digibee's
 * CORS HTTP header policy page: the policy's value overrides the pipeline's for a key both set, unless
 * "Don't override the pipeline's header configuration" is on; keys only one sets are added together.
 */
export function effectiveCors(
  realm: RealmConfig,
  pipeline: Pipeline,
  environment: Environment = 'prod',
): CorsHeaders | null {
  const policy = realm.corsPolicy[environment];
  const defined = (headers: CorsHeaders | undefined) =>
    Object.fromEntries(Object.entries(headers ?? {}).filter(([, v]) => v !== undefined)) as CorsHeaders;
  const own = defined(
    pipeline.cors ?? (pipeline.corsHeaders ? corsOfPairs(pipeline.corsHeaders) : undefined),
  );
  const fromPolicy = defined(policy ? corsOfPairs(policy.headers) : undefined);
  const merged = policy?.dontOverride ? { ...fromPolicy, ...own } : { ...own, ...fromPolicy };
  return Object.keys(merged).length === 0 ? null : merged;
}

/** An environment's host: the test environment answers at `test.` before the production host. */
export const hostOfEnvironment = (host: string, environment: Environment): string =>
  environment === 'test' ? `test.${host}` : host;

/** The environment a request is for, by its host (hostOfEnvironment, read back). */
export const environmentOfHost = (host: string | undefined): Environment =>
  host?.toLowerCase().startsWith('test.') ? 'test' : 'prod';

/**
 * What a REST or HTTP trigger takes (Digibee, "How to handle request payloads larger than 5MB"): a
 * larger payload is answered 413 with {"message": "Request size limit exceeded"}, before the pipeline.
 */
export const REQUEST_SIZE_LIMIT_BYTES = 5 * 1024 * 1024;
export const refusesPayload = (pipeline: Pick<Pipeline, 'trigger'>, bytes: number): boolean =>
  (pipeline.trigger === 'rest' || pipeline.trigger === 'http') && bytes > REQUEST_SIZE_LIMIT_BYTES;

/** The Authorization value a pipeline's JWT or Basic Auth option requires on the actual request; null: none. */
export function authorizationOf(pipeline: Pick<Pipeline, 'jwt' | 'basicAuth'>): string | null {
  if (pipeline.jwt !== undefined) return `Bearer ${pipeline.jwt}`;
  if (pipeline.basicAuth)
    return `Basic ${Buffer.from(`${pipeline.basicAuth.username}:${pipeline.basicAuth.password}`).toString('base64')}`;
  return null;
}

/** Digibee's pipeline URL shape: /pipeline/{realm}/v{major}/{pipeline}[/anything]. */
export function pipelinePath(realm: string, pipeline: Pick<Pipeline, 'name' | 'major'>): string {
  return `/pipeline/${realm}/v${pipeline.major}/${pipeline.name}`;
}

/**
 * A reference pipeline's configuration in an environment, seen as a policy (the realm's policy merged in);
 * null for a pipeline with quirks, which no policy describes.
 */
export function policyOfPipeline(
  realm: RealmConfig,
  pipeline: Pipeline,
  environment: Environment = 'prod',
): Policy | null {
  if (pipeline.quirks && Object.keys(pipeline.quirks).length > 0) return null;
  const cors = effectiveCors(realm, pipeline, environment) ?? {};
  const authorization = authorizationOf(pipeline);
  const guarded = pipeline.apiKey !== undefined || authorization !== null;
  return {
    allowOrigin: cors.allowOrigin,
    allowMethods: cors.allowMethods ?? [],
    allowHeaders: cors.allowHeaders ?? [],
    exposeHeaders: cors.exposeHeaders ?? [],
    allowCredentials: cors.allowCredentials ?? false,
    maxAge: cors.maxAge,
    methods: pipeline.methods,
    preflightStatus: 204,
    apiKey: pipeline.apiKey,
    // A JWT or Basic Auth alone is a credential in Authorization (with an API key, the policy follows the key).
    apiKeyHeader: authorization !== null && pipeline.apiKey === undefined ? 'Authorization' : 'apikey',
    // A request without the key is answered 401 with the CORS headers; a 404 has none (seed, example 3).
    unauthorizedStatus: guarded ? 401 : undefined,
    corsOnErrors: guarded ? [401] : false,
  };
}

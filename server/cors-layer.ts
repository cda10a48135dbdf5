import type { CorsHeaders, Pipeline, RealmConfig } from './realm-schema.ts';

/**
 * The trigger's CORS layer: which CORS headers a pipeline answers with.
 * Seed: "CORS can be configured individually within pipelines, or globally for the entire realm
 * through the Global CORS Configuration." Here a pipeline's header overrides the realm's, header by header.
 */
export function effectiveCors(realm: RealmConfig, pipeline: Pipeline): CorsHeaders | null {
  const merged: CorsHeaders = { ...realm.globalCors };
  for (const [name, value] of Object.entries(pipeline.cors ?? {})) {
    if (value !== undefined) Object.assign(merged, { [name]: value });
  }
  return Object.keys(merged).length === 0 ? null : merged;
}

export type ResponseKind = 'preflight' | 'actual';

/**
 * The CORS response headers for one request. An origin list is answered by echoing the matching
 * Origin with `Vary: Origin`, never as a comma list: Access-Control-Allow-Origin holds one origin
 * (https://fetch.spec.whatwg.org/#http-access-control-allow-origin) and every engine rejects a list.
 */
export function corsResponseHeaders(
  cors: CorsHeaders | null,
  requestOrigin: string | undefined,
  kind: ResponseKind,
): Record<string, string> {
  if (cors === null) return {};
  const headers: Record<string, string> = {};
  if (cors.allowOrigin === '*') headers['access-control-allow-origin'] = '*';
  else if (Array.isArray(cors.allowOrigin)) {
    headers.vary = 'Origin';
    if (requestOrigin !== undefined && cors.allowOrigin.includes(requestOrigin)) {
      headers['access-control-allow-origin'] = requestOrigin;
    }
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

import { z } from 'zod';

/**
 * The reference realm's configuration, as data. It models what the seed document says a Digibee user
 * configures: CORS headers per pipeline or realm-wide (Global CORS Configuration), on HTTP, HTTP File
 * (download and upload) and REST triggers, and consumers' API keys sent in the `apikey` header.
 */

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const SLUG = /^[a-z0-9][a-z0-9-]*$/;

export const HttpMethod = z.string().regex(TOKEN, 'must be an HTTP method token such as GET');
export const HeaderName = z.string().regex(TOKEN, 'must be an HTTP header name (a token)');

/** A serialized origin: scheme://host[:port], no path, no trailing slash. */
export const SerializedOrigin = z.string().refine((value) => {
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}, 'must be a serialized origin such as https://app.example.com (scheme, host, optional port; no path or trailing slash)');

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

export const TriggerKind = z.enum(['rest', 'http', 'http-file-download', 'http-file-upload']);
export type TriggerKind = z.infer<typeof TriggerKind>;

export const Pipeline = z
  .object({
    name: z.string().regex(SLUG, 'must be lower-case letters, digits and dashes'),
    /** The major version in the URL: /pipeline/{realm}/v{major}/{pipeline}. */
    major: z.number().int().positive().default(1),
    trigger: TriggerKind,
    /** The HTTP methods the trigger serves; any other method is answered 404 Not Found. */
    methods: z.array(HttpMethod).min(1),
    /** This pipeline's CORS headers; each one given here overrides the realm's, header by header. */
    cors: CorsHeaders.optional(),
    /** When set, requests other than the preflight must carry this value in the `apikey` header. */
    apiKey: z.string().min(1).optional(),
    /** Extra headers on every non-preflight response (to test Access-Control-Expose-Headers). */
    responseHeaders: z.record(HeaderName, z.string()).default({}),
  })
  .strict();
export type Pipeline = z.infer<typeof Pipeline>;

export const RealmConfig = z
  .object({
    name: z.string().regex(SLUG, 'must be lower-case letters, digits and dashes'),
    /** Global CORS Configuration: applies to every pipeline, header by header, unless it overrides. */
    globalCors: CorsHeaders.optional(),
    pipelines: z.array(Pipeline).min(1),
  })
  .strict()
  .superRefine((realm, ctx) => {
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

import { z } from 'zod';
import { HTTP_TOKEN } from './rules.ts';

/** HTTP values as zod schemas, shared by every data file (realm, policy, scenarios). */

/** An HTTP token: what method and header names must be. */
export const TOKEN = HTTP_TOKEN;
/** A name in ids and file names: lower-case letters, digits and dashes. */
export const SLUG = /^[a-z0-9][a-z0-9-]*$/;

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

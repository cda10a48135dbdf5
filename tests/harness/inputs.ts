import { resolve } from 'node:path';
import { InputError, type Problem, readJsonFile } from '../../lib/data-file.ts';
import { CATALOGUE_DIR, type Catalogue, loadCatalogue } from '../../scenarios/load.ts';
import { loadRealm } from '../../server/realm.ts';
import type { RealmConfig } from '../../server/realm-schema.ts';
import { Policy } from '../cors/policy.ts';

/**
 * Everything a run reads, resolved and validated from the environment in one place, so that
 * playwright.config.ts can refuse bad input before any browser starts and every worker agrees:
 *
 * - TARGET_URL + CORS_POLICY: run against that endpoint, expectations from that policy;
 *   absent: the bundled reference realm (REALM_CONFIG, default server/realms/reference.json).
 * - PAGE_ORIGIN: the origin of the test page (default https://app.example.test).
 * - SCENARIOS_DIR: the catalogue (default scenarios/). API_KEY: overrides the policy's apiKey.
 */

export const DEFAULT_PAGE_ORIGIN = 'https://app.example.test';
/** Where the reference realm appears to the engines (the recording proxy forwards it to the server). */
export const REFERENCE_API_HOST = 'api.example.test';

export interface Endpoint {
  url: URL;
  policy: Policy;
  policyFile: string;
  apiKey: string | undefined;
}

export interface Inputs {
  realm: RealmConfig;
  catalogue: Catalogue;
  pageOrigin: string;
  /** null: the reference realm is the target. */
  endpoint: Endpoint | null;
}

const env = (name: string): string | undefined => process.env[name]?.trim() || undefined;
const envProblem = (field: string, message: string): Problem => ({ file: 'environment', field, message });

function origin(value: string, field: string): string {
  try {
    const url = new URL(value);
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value) return value;
  } catch {
    // reported below
  }
  throw new InputError([
    envProblem(
      field,
      `"${value}" is not an http(s) origin such as https://app.example.test (no path, no trailing slash)`,
    ),
  ]);
}

function endpointFromEnv(pageOrigin: string): Endpoint | null {
  const target = env('TARGET_URL');
  const policyFile = env('CORS_POLICY');
  if (!target && !policyFile) return null;
  if (!target)
    throw new InputError([
      envProblem(
        'CORS_POLICY',
        'is set but TARGET_URL is not: the policy describes the endpoint at TARGET_URL',
      ),
    ]);
  if (!policyFile) {
    throw new InputError([
      envProblem(
        'TARGET_URL',
        'needs CORS_POLICY: a JSON file saying what the endpoint is configured to allow (see README, "The policy file")',
      ),
    ]);
  }
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new InputError([envProblem('TARGET_URL', `"${target}" is not an absolute URL`)]);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InputError([envProblem('TARGET_URL', `"${target}" is not http or https`)]);
  if (url.origin === pageOrigin) {
    throw new InputError([
      envProblem(
        'TARGET_URL',
        `has the page's own origin ${pageOrigin}: that is a same-origin request, CORS does not apply`,
      ),
    ]);
  }
  const policy = readJsonFile(resolve(policyFile), Policy);
  return { url, policy, policyFile, apiKey: env('API_KEY') ?? policy.apiKey };
}

let cached: Inputs | undefined;

export function loadInputs(): Inputs {
  if (!cached) {
    const pageOrigin = origin(env('PAGE_ORIGIN') ?? DEFAULT_PAGE_ORIGIN, 'PAGE_ORIGIN');
    const endpoint = endpointFromEnv(pageOrigin);
    const realm = loadRealm(env('REALM_CONFIG'));
    cached = {
      realm,
      catalogue: loadCatalogue(realm, env('SCENARIOS_DIR') ?? CATALOGUE_DIR),
      pageOrigin,
      endpoint,
    };
  }
  return cached;
}

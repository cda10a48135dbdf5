import { resolve } from 'node:path';
import {
  CATALOGUE_DIR,
  type Catalogue,
  type CatalogueEntry,
  loadCatalogue,
  realmWithCatalogue,
} from '../../scenarios/load.ts';
import { hostOfEnvironment, loadRealm, policyOfPipeline } from '../../server/realm.ts';
import type { RealmConfig } from '../../server/realm-schema.ts';
import { type Contract, contractOf, withContract } from '../policy/contract.ts';
import { discoveryOrigins } from '../policy/discovery.ts';
import { Policy } from '../policy/policy.ts';
import { formatProblem, InputError, type Problem, readJsonFile } from './data-file.ts';
import { readTargetsFile } from './targets.ts';

/**
 * Everything a run reads, resolved and validated from the environment in one place, so that
 * playwright.config.ts can refuse bad input before any browser starts and every worker agrees:
 *
 * - TARGET_URL + CORS_POLICY: run against that endpoint, expectations from that policy;
 * - CORS_TARGETS: a targets file, several endpoints each with its policy (src/input/targets.ts);
 *   neither: the bundled reference realm (REALM_CONFIG, default server/realms/reference.json).
 * - PAGE_ORIGIN: the origin of the test page (default https://app.example.test; http:// for an http TARGET_URL).
 * - SCENARIOS_DIR: the catalogue (default scenarios/). API_KEY: overrides the policy's apiKey.
 */

export const DEFAULT_PAGE_ORIGIN = 'https://app.example.test';
/** Where a scenario with `"pageOrigin": "null"` is served from, sandboxed, so that its origin is opaque. */
export const SANDBOXED_PAGE_ORIGIN = 'https://sandboxed.example.test';
/** Where the reference realm appears to the engines (the recording proxy forwards it to the server). */
export const REFERENCE_API_HOST = 'api.example.test';
/** A second origin for the same realm: the target of cross-origin redirects. */
export const REFERENCE_ALT_API_HOST = 'api2.example.test';
/** The realm's test environment: its own host (server/realm.ts, hostOfEnvironment), its own policy. */
export const REFERENCE_TEST_API_HOST = hostOfEnvironment(REFERENCE_API_HOST, 'test');

export interface Endpoint {
  /** Its name in the targets file (CORS_TARGETS); null for TARGET_URL. */
  name: string | null;
  url: URL;
  /** null: no CORS_POLICY, so the run discovers what the endpoint allows (src/policy/discovery.ts). */
  policy: Policy | null;
  policyFile: string | null;
  /** What the page sends to authenticate: the API key (API_KEY overrides the policy's) or the bearer token. */
  credential: Credential | undefined;
  /** The origin of the page that calls it. */
  pageOrigin: string;
  /** The scenarios it runs: the catalogue's endpoint scenarios and the contract of its policy. */
  scenarios: CatalogueEntry[];
  /** Catalogue scenarios that send an API key, left out because it has none (said at the start of the run). */
  keyless: number;
}

/** A secret the page sends, and the header it goes in. Never written to a report (src/report/secrets.ts). */
export interface Credential {
  header: string;
  value: string;
}

/** The credential a policy says the page sends, read from the environment where it says so. */
function credentialOf(policy: Policy, env: (name: string) => string | undefined): Credential | undefined {
  if (policy.bearerTokenEnv) {
    const token = env(policy.bearerTokenEnv);
    if (!token) {
      const why = `is named by the policy's bearerTokenEnv but is not set: export the token the page sends`;
      throw new InputError([envProblem(policy.bearerTokenEnv, why)]);
    }
    return { header: 'Authorization', value: `Bearer ${token}` };
  }
  const key = env('API_KEY') ?? policy.apiKey;
  return key === undefined ? undefined : { header: policy.apiKeyHeader, value: key };
}

export interface Inputs {
  realm: RealmConfig;
  catalogue: Catalogue;
  pageOrigin: string;
  /** TARGET_URL's endpoint; null otherwise. */
  endpoint: Endpoint | null;
  /** Every endpoint under test: TARGET_URL's, or the targets file's; none: the reference realm. */
  endpoints: Endpoint[];
  /** What the contract could not send from a page, per policy (printed at the start of the run). */
  notProbed: string[];
}

type Env = Record<string, string | undefined>;
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

/** TARGET_URL, parsed; null when absent. */
function targetUrl(env: (name: string) => string | undefined): URL | null {
  const target = env('TARGET_URL');
  if (!target) return null;
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new InputError([envProblem('TARGET_URL', `"${target}" is not an absolute URL`)]);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError([envProblem('TARGET_URL', `"${target}" is not http or https`)]);
  }
  return url;
}

type EndpointSource = Omit<Endpoint, 'scenarios' | 'keyless'>;

/** Whether a scenario's requests send the API key (the target's credential). */
const sendsKey = (s: CatalogueEntry): boolean =>
  s.request.sendApiKey || (s.before ?? []).some((b) => b.sendApiKey);

function endpointFromEnv(
  env: (name: string) => string | undefined,
  url: URL | null,
  pageOrigin: string,
): EndpointSource | null {
  const policyFile = env('CORS_POLICY');
  if (!url && !policyFile) return null;
  if (!url) {
    throw new InputError([
      envProblem(
        'CORS_POLICY',
        'is set but TARGET_URL is not: the policy describes the endpoint at TARGET_URL',
      ),
    ]);
  }
  if (url.origin === pageOrigin) {
    const why = `has the page's own origin ${pageOrigin}: that is a same-origin request, CORS does not apply`;
    throw new InputError([envProblem('TARGET_URL', why)]);
  }
  if (!policyFile) {
    // A URL alone: discovery. The key, if the owner gives one, goes where API_KEY_HEADER says.
    const key = env('API_KEY');
    const credential = key ? { header: env('API_KEY_HEADER') ?? 'apikey', value: key } : undefined;
    return { name: null, url, policy: null, policyFile: null, credential, pageOrigin };
  }
  const policy = readJsonFile(resolve(policyFile), Policy);
  return { name: null, url, policy, policyFile, credential: credentialOf(policy, env), pageOrigin };
}

/** The targets file's endpoints (CORS_TARGETS), each with its page origin. */
function endpointsFromTargets(env: (name: string) => string | undefined, file: string): EndpointSource[] {
  for (const other of ['TARGET_URL', 'CORS_POLICY']) {
    if (env(other)) {
      const why = `is set with CORS_TARGETS: give one endpoint (TARGET_URL, CORS_POLICY) or a targets file, not both`;
      throw new InputError([envProblem(other, why)]);
    }
  }
  const path = resolve(file);
  const problems: Problem[] = [];
  const endpoints = readTargetsFile(path).flatMap((t, i): EndpointSource[] => {
    const given = env('PAGE_ORIGIN') ?? t.pageOrigin;
    let pageOrigin: string;
    try {
      pageOrigin = origin(given ?? defaultPageOrigin(t.url), 'PAGE_ORIGIN');
    } catch (error) {
      if (!(error instanceof InputError) || env('PAGE_ORIGIN')) throw error;
      const field = t.pageOriginFrom === 'defaults' ? 'defaults.pageOrigin' : `targets[${i}].pageOrigin`;
      problems.push(...error.problems.map((p) => ({ ...p, file: path, field })));
      return [];
    }
    if (t.url.origin === pageOrigin) {
      const why = `has the page's own origin ${pageOrigin}: that is a same-origin request, CORS does not apply`;
      problems.push({ file: path, field: `targets[${i}].url`, message: why });
      return [];
    }
    try {
      const credential = credentialOf(t.policy, env);
      return [
        { name: t.name, url: t.url, policy: t.policy, policyFile: t.policyFile, credential, pageOrigin },
      ];
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(
        ...error.problems.map((p) => ({ ...p, message: `${p.message} (for targets[${i}] "${t.name}")` })),
      );
      return [];
    }
  });
  // A bad default is one problem, however many targets take it.
  if (problems.length > 0)
    throw new InputError([...new Map(problems.map((p) => [formatProblem(p), p])).values()]);
  return endpoints;
}

/**
 * The page origin when PAGE_ORIGIN is not given: https, except for a plain-http TARGET_URL, which an
 * https page could not call without mixed content (WebKit blocks it even on localhost).
 */
export function defaultPageOrigin(target: URL | null): string {
  return target?.protocol === 'http:' ? 'http://app.example.test' : DEFAULT_PAGE_ORIGIN;
}

/**
 * Reads and validates the run's inputs from `environment`; throws InputError on the first bad one.
 * The realm returned holds the realm file's pipelines and those the catalogue's records state inline
 * (`server`), so the reference server serves every scenario's pipeline.
 */
export function readInputs(environment: Env): Inputs {
  const env = (name: string) => environment[name]?.trim() || undefined;
  const targetsFile = env('CORS_TARGETS');
  const url = targetsFile ? null : targetUrl(env);
  const pageOrigin = origin(env('PAGE_ORIGIN') ?? defaultPageOrigin(url), 'PAGE_ORIGIN');
  const sources = targetsFile
    ? endpointsFromTargets(env, targetsFile)
    : [endpointFromEnv(env, url, pageOrigin)].filter((e): e is EndpointSource => e !== null);
  const realmFile = loadRealm(env('REALM_CONFIG'));
  const loaded = loadCatalogue(realmFile, env('SCENARIOS_DIR') ?? CATALOGUE_DIR);
  const realm = realmWithCatalogue(realmFile, loaded);
  const contractOfEndpoint = (e: EndpointSource): Contract | null =>
    e.policy &&
    contractOf({
      policy: e.policy,
      file: e.policyFile ?? '',
      pageOrigin: e.pageOrigin,
      target: e.url,
      hasCredential: e.credential !== undefined,
    });
  const contracts = sources.map(contractOfEndpoint);
  const endpoints: Endpoint[] = sources.map((e, i) => {
    const catalogued = e.policy ? loaded.scenarios.filter((s) => s.scope === 'endpoint') : [];
    // A scenario that sends the API key means nothing where the page has none to send: said, not run.
    const runnable = e.credential ? catalogued : catalogued.filter((s) => !sendsKey(s));
    return {
      ...e,
      scenarios: [...runnable, ...(contracts[i]?.scenarios ?? [])],
      keyless: catalogued.length - runnable.length,
    };
  });
  const single = targetsFile ? null : (endpoints[0] ?? null);
  // The catalogue as the reports count it: with the reference realm's contract, or TARGET_URL's.
  const counted = single
    ? contracts.filter((c): c is Contract => c !== null)
    : targetsFile
      ? []
      : realm.contract.map((name) => referenceContract(realm, name, pageOrigin));
  const catalogue = withContract(loaded, counted, single?.policyFile ?? `realm "${realm.name}"`);
  const notProbed =
    endpoints.length > 0
      ? contracts.flatMap((c, i) =>
          (c?.notProbed ?? []).map((what) => (endpoints[i]?.name ? `${endpoints[i]?.name}: ${what}` : what)),
        )
      : counted.flatMap((c) => c.notProbed);
  return { realm, catalogue, pageOrigin, endpoint: single, endpoints, notProbed };
}

/** The contract of a reference pipeline, from its configuration (as an owner's policy states it). */
function referenceContract(realm: RealmConfig, name: string, pageOrigin: string): Contract {
  const pipeline = realm.pipelines.find((p) => p.name === name);
  // The owner's configuration: a flawed profile's quirks are what the contract is to catch.
  const policy = pipeline && policyOfPipeline(realm, { ...pipeline, quirks: undefined });
  if (!pipeline || !policy) {
    const why = `"${name}" is not a pipeline of the realm`;
    throw new InputError([{ file: `realm "${realm.name}"`, field: 'contract', message: why }]);
  }
  return contractOf({
    policy,
    file: `realm "${realm.name}"`,
    pageOrigin,
    hasCredential: pipeline.apiKey !== undefined,
    pipeline: name,
  });
}

/**
 * Every origin the recording proxy serves the test page at: the run's page origin and those the
 * scenarios call from (pages and frames), and discovery's probes. The opaque `null` is served sandboxed, apart.
 */
export function pageOriginsOf(inputs: Inputs): string[] {
  const scenarios = [inputs.catalogue.scenarios, ...inputs.endpoints.map((e) => e.scenarios)].flat();
  const fromScenarios = scenarios.flatMap((s) => [
    ...(s.pageOrigin && s.pageOrigin !== 'null' ? [s.pageOrigin] : []),
    ...[s.request, ...(s.before ?? [])].flatMap((r) => (r.frameOrigin ? [r.frameOrigin] : [])),
  ]);
  const discovering = inputs.endpoint !== null && inputs.endpoint.policy === null;
  const fromDiscovery = discovering ? discoveryOrigins(inputs.pageOrigin).filter((o) => o !== 'null') : [];
  const fromEndpoints = inputs.endpoints.map((e) => e.pageOrigin);
  return [...new Set([inputs.pageOrigin, ...fromEndpoints, ...fromScenarios, ...fromDiscovery])];
}

let cached: Inputs | undefined;

/** This process's inputs: config, specs and fixtures share one reading. */
export function loadInputs(): Inputs {
  cached ??= readInputs(process.env);
  return cached;
}

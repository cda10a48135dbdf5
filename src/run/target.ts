import type { CatalogueEntry } from '../../scenarios/load.ts';
import {
  effectiveCors,
  hostOfEnvironment,
  pipelinePath,
  policyOfPipeline,
  refusesPayload,
} from '../../server/realm.ts';
import type { RealmConfig } from '../../server/realm-schema.ts';
import type { Backend, EngineName } from '../engines/session.ts';
import { isLoopbackHost, pageScheme } from '../fetch-standard/rules.ts';
import { intentOf, type OriginIntent } from '../flaws/flaws.ts';
import { type Credential, type Endpoint, type Inputs, REFERENCE_API_HOST } from '../input/inputs.ts';
import { CONTRACT_AREA } from '../policy/contract.ts';
import { namedOrigins, type Policy, policyAllowsOrigin } from '../policy/policy.ts';
import { TOKEN_PARAM, type WireExchange } from '../wire/exchange.ts';

/** Where scenarios send their requests, what is expected there, and what reached it. */
export interface Target {
  readonly kind: 'reference' | 'endpoint';
  /** For reports: what is under test. */
  readonly description: string;
  /** Its short name in reports (a report's top-level group): the endpoint's name, or its host and path. */
  readonly name: string;
  /** Whether the scenario means something at this target (see the scenario's `scope`). */
  applies(scenario: CatalogueEntry): boolean;
  /** Whether the records' own `expect` and `wire` hold here (they describe the reference realm). */
  readonly usesRecords: boolean;
  /** The scenario's request URL, carrying its token so the wire can be read back per scenario. */
  url(scenario: CatalogueEntry, token: string, caller?: Caller): string;
  /** The API key or bearer token the page sends, and the header it goes in, if any. */
  credential(scenario: CatalogueEntry): Credential | undefined;
  /** The policy expectations derive from. */
  policy(scenario: CatalogueEntry): { policy: Policy; name: string } | null;
  /** The origins the server is meant to allow (to name what it does wrong when it echoes others). */
  originIntent(scenario: CatalogueEntry): OriginIntent;
  /**
   * Whether a flaw of severity `failure` on the wire fails the scenario. Not where the reference
   * pipeline is flawed on purpose (quirks), so that its record can show what engines do with it.
   */
  judgesFlaws(scenario: CatalogueEntry): boolean;
}

/** Who calls: the engine (and how it is driven) and the origin of the page or frame the fetch runs in. */
export interface Caller {
  engine: EngineName;
  backend: Backend['kind'];
  origin: string;
}

/**
 * Whether `caller` reaches the http loopback `url` through its https alias. WebKitGTK blocks an https
 * page calling http://localhost as mixed content (known divergence webkit-mixed-content-loopback), so
 * WebKit would judge nothing there; through the recording proxy's https alias of the same host and
 * port (forwarded to it over http, Host unchanged) the server gets the same request and WebKit judges
 * its answer. Chromium and Firefox call the URL as given.
 */
export function usesHttpsAlias(url: URL, caller: Caller | undefined): boolean {
  return (
    caller?.backend === 'webkitgtk-webdriver' &&
    url.protocol === 'http:' &&
    isLoopbackHost(url.hostname) &&
    pageScheme(caller.origin) === 'https:'
  );
}

function withToken(base: string, token: string): string {
  const url = new URL(base);
  url.searchParams.set(TOKEN_PARAM, token);
  return url.toString();
}

/** The bundled reference realm, reached by the engines at `apiOrigin` through the recording proxy. */
export class ReferenceTarget implements Target {
  readonly kind = 'reference';
  readonly usesRecords = true;

  constructor(
    private readonly realm: RealmConfig,
    private readonly apiOrigin: string,
  ) {}

  get description(): string {
    return `reference realm "${this.realm.name}" (server/realms) at ${this.apiOrigin}`;
  }

  get name(): string {
    return `reference realm "${this.realm.name}"`;
  }

  applies(): boolean {
    return true;
  }

  private pipeline(scenario: CatalogueEntry) {
    const pipeline = this.realm.pipelines.find((p) => p.name === scenario.pipeline);
    if (!pipeline) throw new Error(`realm ${this.realm.name} has no pipeline ${scenario.pipeline}`);
    return pipeline;
  }

  url(scenario: CatalogueEntry, token: string): string {
    const origin = new URL(this.apiOrigin);
    origin.protocol = `${scenario.targetScheme}:`;
    origin.hostname = hostOfEnvironment(origin.hostname, scenario.environment);
    return withToken(`${origin.origin}${pipelinePath(this.realm.name, this.pipeline(scenario))}`, token);
  }

  credential(scenario: CatalogueEntry): Credential | undefined {
    const value = this.pipeline(scenario).apiKey;
    return value === undefined ? undefined : { header: 'apikey', value };
  }

  originIntent(scenario: CatalogueEntry): OriginIntent {
    return intentOf(
      effectiveCors(this.realm, this.pipeline(scenario), scenario.environment)?.allowOrigin ?? null,
    );
  }

  judgesFlaws(scenario: CatalogueEntry): boolean {
    return Object.keys(this.intended(scenario).quirks ?? {}).length === 0;
  }

  /**
   * The pipeline as its owner means it. A contract scenario holds the server to its owner's
   * configuration: in a flawed profile (server/realms/flaws), the pipeline without its quirks.
   */
  private intended(scenario: CatalogueEntry) {
    const pipeline = this.pipeline(scenario);
    return scenario.area === CONTRACT_AREA ? { ...pipeline, quirks: undefined } : pipeline;
  }

  policy(scenario: CatalogueEntry): { policy: Policy; name: string } | null {
    // A payload past the trigger's limit is refused by the platform before any CORS configuration.
    const body = scenario.request.body;
    const bytes =
      body?.kind === 'filler' ? body.bytes : body?.kind === 'text' ? Buffer.byteLength(body.text) : 0;
    if (refusesPayload(this.pipeline(scenario), bytes)) return null;
    const policy = policyOfPipeline(this.realm, this.intended(scenario), scenario.environment);
    if (!policy) return null;
    const where = scenario.environment === 'prod' ? '' : ` in the ${scenario.environment} environment`;
    return { policy, name: `the configuration of pipeline ${scenario.pipeline}${where}` };
  }
}

/** Someone's endpoint (TARGET_URL), judged against the policy its owner gave (CORS_POLICY). */
export class EndpointTarget implements Target {
  readonly kind = 'endpoint';
  readonly usesRecords = false;

  constructor(private readonly endpoint: Endpoint) {}

  get description(): string {
    const { url, policyFile } = this.endpoint;
    return policyFile ? `${url.href} with policy ${policyFile}` : `${url.href} (no policy: discovery)`;
  }

  get name(): string {
    return this.endpoint.name ?? `${this.endpoint.url.host}${this.endpoint.url.pathname}`;
  }

  /** What its inputs resolved it runs (none without a policy: the run discovers instead, tests/discovery.spec.ts). */
  applies(scenario: CatalogueEntry): boolean {
    // One rule for what an endpoint runs: the one its inputs resolved (src/input/inputs.ts).
    return this.endpoint.scenarios.includes(scenario);
  }

  url(_scenario: CatalogueEntry, token: string, caller?: Caller): string {
    const url = new URL(this.endpoint.url);
    if (usesHttpsAlias(url, caller)) url.protocol = 'https:';
    return withToken(url.href, token);
  }

  credential(): Credential | undefined {
    return this.endpoint.credential;
  }

  originIntent(): OriginIntent {
    const policy = this.endpoint.policy;
    if (!policy) return intentOf(null);
    return {
      listed: namedOrigins(policy),
      allows: (origin) => policyAllowsOrigin(policy, origin),
    };
  }

  judgesFlaws(): boolean {
    return true;
  }

  policy(): { policy: Policy; name: string } | null {
    const { policy, policyFile } = this.endpoint;
    return policy && { policy, name: `the policy ${policyFile}` };
  }
}

/** The wire of one scenario: what the recording proxy saw for its token. */
export type WireSource = (token: string) => Promise<WireExchange[]>;

/** The run's target, from its inputs: TARGET_URL when given, else the reference realm. */
export function createTarget(inputs: Inputs): Target {
  return inputs.endpoint
    ? new EndpointTarget(inputs.endpoint)
    : new ReferenceTarget(inputs.realm, `https://${REFERENCE_API_HOST}`);
}

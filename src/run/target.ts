import type { CatalogueEntry } from '../../scenarios/load.ts';
import { effectiveCors, pipelinePath, policyOfPipeline } from '../../server/realm.ts';
import type { RealmConfig } from '../../server/realm-schema.ts';
import { intentOf, type OriginIntent } from '../flaws/flaws.ts';
import { type Credential, type Endpoint, type Inputs, REFERENCE_API_HOST } from '../input/inputs.ts';
import { exactOrigins, type Policy, policyAllowsOrigin } from '../policy/policy.ts';
import { TOKEN_PARAM, type WireExchange } from '../wire/exchange.ts';

/** Where scenarios send their requests, what is expected there, and what reached it. */
export interface Target {
  readonly kind: 'reference' | 'endpoint';
  /** For reports: what is under test. */
  readonly description: string;
  /** Whether the scenario means something at this target (see the scenario's `scope`). */
  applies(scenario: CatalogueEntry): boolean;
  /** Whether the records' own `expect` and `wire` hold here (they describe the reference realm). */
  readonly usesRecords: boolean;
  /** The scenario's request URL, carrying its token so the wire can be read back per scenario. */
  url(scenario: CatalogueEntry, token: string): string;
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
    return withToken(`${origin.origin}${pipelinePath(this.realm.name, this.pipeline(scenario))}`, token);
  }

  credential(scenario: CatalogueEntry): Credential | undefined {
    const value = this.pipeline(scenario).apiKey;
    return value === undefined ? undefined : { header: 'apikey', value };
  }

  originIntent(scenario: CatalogueEntry): OriginIntent {
    return intentOf(effectiveCors(this.realm, this.pipeline(scenario))?.allowOrigin ?? null);
  }

  judgesFlaws(scenario: CatalogueEntry): boolean {
    return Object.keys(this.pipeline(scenario).quirks ?? {}).length === 0;
  }

  policy(scenario: CatalogueEntry): { policy: Policy; name: string } | null {
    const policy = policyOfPipeline(this.realm, this.pipeline(scenario));
    if (!policy) return null;
    return {
      policy,
      name: `the configuration of pipeline ${scenario.pipeline}`,
    };
  }
}

/** Someone's endpoint (TARGET_URL), judged against the policy its owner gave (CORS_POLICY). */
export class EndpointTarget implements Target {
  readonly kind = 'endpoint';
  readonly usesRecords = false;

  constructor(private readonly endpoint: Endpoint) {}

  get description(): string {
    return `${this.endpoint.url.href} with policy ${this.endpoint.policyFile}`;
  }

  applies(scenario: CatalogueEntry): boolean {
    return scenario.scope === 'endpoint';
  }

  url(_scenario: CatalogueEntry, token: string): string {
    return withToken(this.endpoint.url.href, token);
  }

  credential(): Credential | undefined {
    return this.endpoint.credential;
  }

  originIntent(): OriginIntent {
    const policy = this.endpoint.policy;
    const listed = exactOrigins(policy);
    return {
      listed: Array.isArray(listed) ? listed : [],
      allows: (origin) => policyAllowsOrigin(policy, origin),
    };
  }

  judgesFlaws(): boolean {
    return true;
  }

  policy(): { policy: Policy; name: string } {
    return { policy: this.endpoint.policy, name: `the policy ${this.endpoint.policyFile}` };
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

import { pipelinePath } from '../../server/build-server.ts';
import type { RealmConfig } from '../../server/realm-schema.ts';
import { type RequestLog, TOKEN_PARAM, type WireExchange } from '../../server/request-log.ts';

/** Where scenarios send their requests, and how the suite learns what reached the server. */
export interface Target {
  /** For reports: what is under test. */
  readonly description: string;
  /** The origin the test page is served from. */
  readonly pageOrigin: string;
  /** The scenario's request URL, carrying its token so the wire can be read back per scenario. */
  url(pipeline: string, token: string): string;
  /** The API key the target expects in `apikey`, if any. */
  apiKey(pipeline: string): string | undefined;
  /** Every exchange that reached the server under `token`, once each one has been answered. */
  wire(token: string): Promise<WireExchange[]>;
}

/** The bundled reference realm, served in this worker: its own request log is the wire record. */
export class ReferenceTarget implements Target {
  constructor(
    private readonly realm: RealmConfig,
    private readonly log: RequestLog,
    private readonly baseUrl: string,
    readonly pageOrigin: string,
  ) {}

  get description(): string {
    return `reference realm "${this.realm.name}" at ${this.baseUrl}`;
  }

  private pipeline(name: string) {
    const pipeline = this.realm.pipelines.find((p) => p.name === name);
    if (!pipeline) throw new Error(`realm ${this.realm.name} has no pipeline ${name}`);
    return pipeline;
  }

  url(pipeline: string, token: string): string {
    return `${this.baseUrl}${pipelinePath(this.realm.name, this.pipeline(pipeline))}?${TOKEN_PARAM}=${encodeURIComponent(token)}`;
  }

  apiKey(pipeline: string): string | undefined {
    return this.pipeline(pipeline).apiKey;
  }

  async wire(token: string): Promise<WireExchange[]> {
    // The page can hold the response before the server's onResponse hook has run: wait for it.
    const deadline = Date.now() + 2_000;
    let exchanges = this.log.read(token);
    while (exchanges.some((e) => e.status === null) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
      exchanges = this.log.read(token);
    }
    this.log.forget(token);
    return exchanges;
  }
}

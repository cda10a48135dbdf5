/**
 * The one interface every engine backend implements. Scenarios never see which backend runs them:
 * Playwright's own browsers, Debian's Chromium / Firefox ESR driven by Playwright, or WebKitGTK over
 * WebDriver all open the test page at a page origin and run one fetch() inside it.
 */

export type EngineName = 'chromium' | 'firefox' | 'webkit';
export const ENGINES: readonly EngineName[] = ['chromium', 'firefox', 'webkit'];

/** How an engine is driven on this machine (src/engines/backends.ts decides). */
export type Backend =
  | { kind: 'playwright'; engine: EngineName; executable: string }
  | { kind: 'system-chromium'; engine: 'chromium'; executable: string }
  | { kind: 'system-firefox-bidi'; engine: 'firefox'; executable: string }
  | {
      kind: 'webkitgtk-webdriver';
      engine: 'webkit';
      driver: string;
      /** The browser WebKitWebDriver starts: our host (src/engines/webkitgtk-host.py) or MiniBrowser. */
      browser: string;
      /** Whether that browser writes WebKit's console messages (our host does; MiniBrowser under automation does not). */
      consoleMessages: boolean;
    }
  | { kind: 'unavailable'; engine: EngineName; install: string };

export type UsableBackend = Exclude<Backend, { kind: 'unavailable' }>;

/** Input of the in-page fetch (src/engines/cc-fetch.js). */
export interface FetchSpec {
  /**
   * The page API that sends it: fetch(), an EventSource whose first message counts as read, or
   * sendBeacon (the page only learns that it was queued: the wire tells the rest), or a script
   * element with the crossorigin attribute (loaded or failed).
   */
  api?: 'fetch' | 'event-source' | 'beacon' | 'script';
  url: string;
  method: string;
  headers: Array<[string, string]>;
  credentials: 'omit' | 'same-origin' | 'include';
  body:
    | { kind: 'text'; text: string }
    | { kind: 'form-data'; fields: Array<[string, string]> }
    | { kind: 'filler'; bytes: number }
    | null;
  mode: 'cors' | 'no-cors' | 'same-origin';
  /** fetch()'s redirect mode; `follow` when absent. */
  redirect?: 'follow' | 'error' | 'manual';
  /** fetch()'s referrerPolicy, when the scenario sets one. */
  referrerPolicy?: string;

  /** Set with document.cookie before the fetch. */
  cookie?: string;
  /** fetch()'s cache mode; `no-store` unless a scenario observes the HTTP cache. */
  cache?: 'no-store' | 'default';
  /** Run the fetch from an iframe of this origin inside the page (same-site: same HTTP cache). */
  frameOrigin?: string;
  timeoutMs: number;
}

/** What the page saw: the only verdict a user's page ever gets. */
export type FetchOutcome =
  | {
      kind: 'resolved';
      status: number;
      type: string;
      redirected: boolean;
      url: string;
      /** The headers the page can read (the engine's CORS-filtered view). */
      headers: Array<[string, string]>;
      bodyBytes: number;
      ms: number;
    }
  | { kind: 'rejected'; name: string; message: string; ms: number }
  /** A beacon was queued: what became of it, only the wire shows. */
  | { kind: 'queued'; ms: number }
  | { kind: 'timeout'; ms: number };

/** What the engine itself said about a request (console, page error, failed-request text, log line). */
export interface EngineMessage {
  source: 'console' | 'pageerror' | 'requestfailed' | 'engine-log';
  text: string;
}

export interface EnginePage {
  readonly origin: string;
  /** Whether this backend reports the engine's own CORS messages at all (stock WebKitGTK does not). */
  readonly reportsCorsMessages: boolean;
  fetch(spec: FetchSpec): Promise<FetchOutcome>;
  /** Several fetches started together in the page (one round trip), their outcomes in order. */
  fetchAll(specs: FetchSpec[]): Promise<FetchOutcome[]>;
  /**
   * The engine's messages that name `token` (engines quote the request URL in their CORS messages),
   * removed from the buffer. When `expectSome`, waits up to `settleMs` for the first one to arrive.
   */
  takeMessages(token: string, options: { expectSome: boolean; settleMs: number }): Promise<EngineMessage[]>;
  close(): Promise<void>;
}

/** How a page reaches the network: always through the recording proxy. */
export interface PageNetwork {
  /** `http://[::1]:PORT` (or 127.0.0.1): the recording proxy, which also serves the test page at every page origin. */
  proxyServer: string;
}

export interface Engine {
  readonly name: EngineName;
  readonly backend: UsableBackend;
  readonly version: string;
  /**
   * A page showing the test page served at `origin`, all of its traffic through `network.proxyServer`.
   * The page's `origin` is what the page reports (`null` when it is sandboxed).
   */
  openPage(origin: string, network: PageNetwork): Promise<EnginePage>;
  /**
   * Whether closing the engine closes its pages (a browser its contexts), so that they need not be
   * closed one by one before it; not where each page is a process of its own (a WebDriver session).
   */
  readonly pagesCloseWithIt: boolean;
  close(): Promise<void>;
}

/** Collects messages and hands out those naming a token; shared by the backends. */
export class MessageBuffer {
  #messages: EngineMessage[] = [];
  #waiters = new Set<() => void>();

  push(message: EngineMessage): void {
    this.#messages.push(message);
    // Messages naming no scenario (e.g. Chromium's "Failed to load resource") are never taken: cap them.
    if (this.#messages.length > 1000) this.#messages.splice(0, this.#messages.length - 1000);
    for (const wake of this.#waiters) wake();
  }

  async take(token: string, { expectSome, settleMs }: { expectSome: boolean; settleMs: number }) {
    const matching = () => this.#messages.filter((m) => m.text.includes(token));
    if (expectSome && matching().length === 0) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#waiters.delete(check);
          resolve();
        };
        const check = () => {
          if (matching().length > 0) done();
        };
        const timer = setTimeout(done, settleMs);
        this.#waiters.add(check);
      });
    }
    const taken = matching();
    this.#messages = this.#messages.filter((m) => !m.text.includes(token));
    return taken;
  }
}

import { SANDBOXED_PAGE_ORIGIN } from '../input/inputs.ts';
import type { PageSource } from '../run/run-ahead.ts';
import type { Engine, EnginePage } from './session.ts';

/** One page per page origin, opened on first use and kept for the worker's scenarios. */
export interface EnginePages extends PageSource {
  /** `null` opens the sandboxed test page, whose origin is opaque. */
  get(origin: string): Promise<EnginePage>;
  /** Closes every page, or leaves them to the engine where they close with it (Engine.pagesCloseWithIt). */
  closeAll(): Promise<void>;
}

/** Pages of `engine` whose traffic all goes through the recording proxy at `proxyServer`. */
export function pagesThrough(engine: Engine, proxyServer: string): EnginePages {
  const open = new Map<string, Promise<EnginePage>>();
  let closed = false;
  return {
    get(origin) {
      if (closed) return Promise.reject(new Error(`the pages of this worker are closed (${origin})`));
      let page = open.get(origin);
      if (!page) {
        page = engine.openPage(origin === 'null' ? SANDBOXED_PAGE_ORIGIN : origin, { proxyServer });
        open.set(origin, page);
      }
      return page;
    },
    async reopen(origin) {
      await open
        .get(origin)
        ?.then((p) => p.close())
        .catch(() => {});
      open.delete(origin);
      return this.get(origin);
    },
    async closeAll() {
      closed = true;
      if (engine.pagesCloseWithIt) return open.clear();
      // Together: a worker's pages close as it is replaced, and the next worker waits for that.
      await Promise.all([...open.values()].map((page) => page.then((p) => p.close()).catch(() => {})));
      open.clear();
    },
  };
}

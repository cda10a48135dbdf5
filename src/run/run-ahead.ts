import { readFileSync, writeFileSync } from 'node:fs';
import type { CatalogueEntry } from '../../scenarios/load.ts';
import type { Engine, EnginePage } from '../engines/session.ts';
import { InputError } from '../input/data-file.ts';
import {
  PageFailure,
  runConcurrently,
  runScenario,
  runsConcurrently,
  type ScenarioRun,
} from './run-scenario.ts';
import type { Target, WireSource } from './target.ts';

/**
 * Scenarios run ahead of their tests, several at once in one page.
 *
 * A chunk is a group of tests that Playwright gives one worker, in order (a `describe` in `default`
 * mode). When a test asks for its run, the runner fetches it together with the following scenarios of
 * the chunk that are selected for this run and can share a page (runsConcurrently), and keeps their
 * runs for their own tests. Each test still reports and asserts its own scenario; only the fetching is
 * shared. After a failed test Playwright replaces the worker; the new one starts again at the next test.
 */

export interface Chunk {
  /** The describe titles above the chunk's tests (endpoint, area): with the scenario id, a test's key. */
  titles: string[];
  target: Target;
  /** The page origin of scenarios that name none. */
  pageOrigin: string;
  scenarios: CatalogueEntry[];
}

/**
 * How many fetches one page starts together at most (CORS_CONFORMANCE_BATCH, 1 to 6; default 6). At
 * most six: engines open about six connections to one host, and a request queued behind them would
 * spend its timeout waiting. 1 runs each scenario when its test does.
 */
export const MAX_BATCH = 6;

export function batchSizeOf(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return MAX_BATCH;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_BATCH)
    throw new InputError([
      {
        file: 'environment',
        field: 'CORS_CONFORMANCE_BATCH',
        message: `is "${value}": a whole number from 1 to ${MAX_BATCH}`,
      },
    ]);
  return n;
}

export interface PageSource {
  get(origin: string): Promise<EnginePage>;
  /** The page of `origin` closed and opened anew (after a harness failure). */
  reopen(origin: string): Promise<EnginePage>;
}

/** A test's key in the selection: its project, its describes and its title. */
export const selectionKey = (project: string, titles: string[], id: string): string =>
  [project, ...titles, id].join(' \u203a ');

/** Where the main process writes the selected tests' keys for the workers (read once per worker). */
export const SELECTION_ENV = 'CORS_CONFORMANCE_SELECTION';

/** Written by the run summary reporter once Playwright has applied every filter (grep, shard, lines). */
export function writeSelection(file: string, keys: string[]): void {
  writeFileSync(file, JSON.stringify(keys));
  process.env[SELECTION_ENV] = file;
}

/** The selected keys, or null when no reporter wrote them (then nothing runs ahead of its test). */
export function readSelection(): Set<string> | null {
  const file = process.env[SELECTION_ENV];
  if (!file) return null;
  try {
    return new Set(JSON.parse(readFileSync(file, 'utf8')) as string[]);
  } catch {
    return null;
  }
}

/** What a test learns from its run: the run, and whether a failed page made it run twice. */
export interface AheadRun {
  run: ScenarioRun;
  /** Set when the page failed under the scenario and it ran once more on a page opened anew. */
  harnessRerun: string | null;
}

export class RunAhead {
  readonly #pending = new Map<string, Promise<AheadRun>>();
  /** Scenarios already started in this worker: a later batch never takes them again. */
  readonly #started = new Set<string>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #closing = false;

  constructor(
    private readonly engine: Pick<Engine, 'name' | 'backend'>,
    private readonly pages: PageSource,
    private readonly wireOf: WireSource,
    /** Whether the test of a chunk's scenario runs in this run (null: only the asking test is known to). */
    private readonly selected: ((chunk: Chunk, index: number) => boolean) | null,
    private readonly batchSize: number = batchSizeOf(process.env.CORS_CONFORMANCE_BATCH),
  ) {}

  #key(chunk: Chunk, index: number): string {
    return `${chunk.titles.join('\u0000')}\u0000${index}`;
  }

  #origin(chunk: Chunk, scenario: CatalogueEntry): string {
    return scenario.pageOrigin ?? chunk.pageOrigin;
  }

  /**
   * `work` on the page of `origin`. When the page fails under it (PageFailure: the engine or its driver
   * stopped answering, no outcome came back, so there is no verdict yet), the page is opened anew and
   * `work` done once more, with new URL tokens; said on stderr and returned with the run, so that its
   * test carries it. A second failure is the test's. Nothing is reopened once the worker is closing.
   */
  #onPage<T>(
    origin: string,
    work: (page: EnginePage) => Promise<T>,
  ): Promise<{ value: T; rerun: string | null }> {
    const done = (async () => {
      try {
        return { value: await work(await this.pages.get(origin)), rerun: null };
      } catch (error) {
        if (!(error instanceof PageFailure) || this.#closing) throw error;
        const rerun = `${this.engine.name}: ${error.message} (page ${origin}); it was opened anew and the scenario ran once more`;
        process.stderr.write(`cors-conformance: ${rerun}\n`);
        return { value: await work(await this.pages.reopen(origin)), rerun };
      }
    })();
    this.#inFlight.add(done);
    const untrack = () => this.#inFlight.delete(done);
    done.then(untrack, untrack);
    return done;
  }

  /**
   * The run of the chunk's scenario `index`: fetched before (with an earlier test's batch) or now.
   * `alone`: run it by itself (a retry, so that nothing else shares its page).
   */
  run(chunk: Chunk, index: number, { alone = false } = {}): Promise<AheadRun> {
    const key = this.#key(chunk, index);
    const ahead = this.#pending.get(key);
    if (ahead && !alone) {
      this.#pending.delete(key);
      return ahead;
    }
    this.#started.add(key);
    const scenario = chunk.scenarios[index] as CatalogueEntry;
    if (!runsConcurrently(scenario) || alone) {
      return this.#onPage(this.#origin(chunk, scenario), (p) =>
        runScenario(scenario, this.engine, p, chunk.target, this.wireOf),
      ).then(({ value, rerun }) => ({ run: value, harnessRerun: rerun }));
    }
    // This scenario and the next selected ones not yet started that can share a page, up to the next
    // that cannot (so that what it leaves in the page comes after every request before it): each
    // fetched in its own page origin's page, every page's batch at once.
    const batch = [index];
    for (
      let j = index + 1;
      this.selected && j < chunk.scenarios.length && batch.length < this.batchSize;
      j++
    ) {
      const next = chunk.scenarios[j] as CatalogueEntry;
      if (!this.selected(chunk, j) || this.#started.has(this.#key(chunk, j))) continue;
      if (!runsConcurrently(next)) break;
      batch.push(j);
      this.#started.add(this.#key(chunk, j));
    }
    const byOrigin = new Map<string, number[]>();
    for (const j of batch) {
      const origin = this.#origin(chunk, chunk.scenarios[j] as CatalogueEntry);
      byOrigin.set(origin, [...(byOrigin.get(origin) ?? []), j]);
    }
    let own: Promise<AheadRun> | undefined;
    for (const [origin, indices] of byOrigin) {
      const runs = this.#onPage(origin, (p) =>
        runConcurrently(
          indices.map((j) => chunk.scenarios[j] as CatalogueEntry),
          this.engine,
          p,
          chunk.target,
          this.wireOf,
        ),
      );
      indices.forEach((j, i) => {
        const run = runs.then(({ value, rerun }) => {
          const settled = value[i] as PromiseSettledResult<ScenarioRun>;
          if (settled.status === 'rejected') throw settled.reason;
          return { run: settled.value, harnessRerun: rerun };
        });
        if (j === index) {
          own = run;
          return;
        }
        // Its own test awaits it (and reports a failure); meanwhile a rejection is not "unhandled".
        run.catch(() => {});
        this.#pending.set(this.#key(chunk, j), run);
      });
    }
    return own as Promise<AheadRun>;
  }

  /** Stops reopening pages and waits for what is in flight, before the worker closes its pages. */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.allSettled([...this.#inFlight]);
  }
}

import { cpus } from 'node:os';
import { basename } from 'node:path';
import type { CatalogueEntry } from '../../scenarios/load.ts';
import type { Inputs } from '../input/inputs.ts';
import { REFERENCE_API_HOST } from '../input/inputs.ts';
import type { Chunk } from './run-ahead.ts';
import { EndpointTarget, ReferenceTarget } from './target.ts';

/**
 * The run's plan: its tests in chunks, a chunk per area (and per endpoint when a targets file names
 * several), each fetched ahead on its own (src/run/run-ahead.ts). Playwright runs them in jobs (jobsOf).
 */
export function planOf(inputs: Inputs): Chunk[] {
  if (inputs.endpoints.length === 0) {
    const target = new ReferenceTarget(inputs.realm, `https://${REFERENCE_API_HOST}`);
    return byArea(inputs.catalogue.scenarios).map(([area, scenarios]) => ({
      titles: [area],
      target,
      pageOrigin: inputs.pageOrigin,
      scenarios,
    }));
  }
  return inputs.endpoints.flatMap((endpoint) => {
    const target = new EndpointTarget(endpoint);
    return byArea(endpoint.scenarios).map(([area, scenarios]) => ({
      titles: endpoint.name ? [endpoint.name, area] : [area],
      target,
      pageOrigin: endpoint.pageOrigin,
      scenarios,
    }));
  });
}

/** The scenarios grouped by area, in the catalogue's order. */
function byArea(scenarios: CatalogueEntry[]): Array<[string, CatalogueEntry[]]> {
  const areas = new Map<string, CatalogueEntry[]>();
  for (const s of scenarios) areas.set(s.area, [...(areas.get(s.area) ?? []), s]);
  return [...areas.entries()];
}

/**
 * The endpoint of a conformance test, from the describe titles above it (endpoint, area): the outer one
 * when there are two (null: the only endpoint, or the reference realm).
 */
export const endpointOfTitles = (titles: string[]): string | null =>
  titles.length > 1 ? (titles[0] ?? null) : null;

/**
 * Whether a test file is the conformance spec (tests/conformance.spec.ts, or its JavaScript in the
 * installed package), whose tests are one per scenario, endpoint and engine.
 */
export const isConformanceSpec = (file: string | undefined): boolean =>
  /^conformance\.spec\.[jt]s$/.test(basename(file ?? ''));

/** The endpoint a chunk belongs to, as reports name it. */
export const endpointOf = (chunk: Chunk): string | null => endpointOfTitles(chunk.titles);

/**
 * How many jobs an endpoint's chunks make: as many as Playwright's default number of workers on this
 * machine (half its cores, at least one). Playwright gives a job (a `describe` in `default` mode) to
 * one worker, its tests in order, and replaces the worker after a job in which a test failed: the old
 * one torn down, a new process, the engine launched and the proxy started again, about 3.5 s in
 * Chromium and more in Firefox. A job per area made a run against a policy off by one value pay that
 * for nearly every area; a job per worker pays it at most once per endpoint and engine, and keeps
 * every worker busy even on a single endpoint. A run given `--workers` keeps these jobs: its verdicts
 * are the same, only its balance differs.
 */
export const JOBS_PER_ENDPOINT = Math.max(1, Math.floor(cpus().length / 2));

/**
 * The plan's chunks in jobs: each endpoint's chunks, in order, cut into `perEndpoint` runs of about
 * the same number of scenarios (fewer where an endpoint has fewer chunks). A job is also the unit
 * `--shard` splits a run by.
 */
export function jobsOf(plan: Chunk[], perEndpoint = JOBS_PER_ENDPOINT): Chunk[][] {
  const byEndpoint = new Map<unknown, Chunk[]>();
  for (const chunk of plan) byEndpoint.set(chunk.target, [...(byEndpoint.get(chunk.target) ?? []), chunk]);
  return [...byEndpoint.values()].flatMap((chunks) => {
    const total = chunks.reduce((n, c) => n + c.scenarios.length, 0);
    const jobs: Chunk[][] = [];
    let done = 0;
    for (const chunk of chunks) {
      // The job this chunk starts in: by the share of the endpoint's scenarios before it.
      const index = Math.min(perEndpoint - 1, Math.floor((done * perEndpoint) / Math.max(total, 1)));
      while (jobs.length <= index) jobs.push([]);
      jobs[index]?.push(chunk);
      done += chunk.scenarios.length;
    }
    return jobs.filter((job) => job.length > 0);
  });
}

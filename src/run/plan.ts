import type { CatalogueEntry } from '../../scenarios/load.ts';
import type { Inputs } from '../input/inputs.ts';
import { REFERENCE_API_HOST } from '../input/inputs.ts';
import type { Chunk } from './run-ahead.ts';
import { EndpointTarget, ReferenceTarget } from './target.ts';

/**
 * The run's plan: its tests, in the groups Playwright gives one worker each (a chunk per area, and per
 * endpoint when a targets file names several). A chunk is also the unit `--shard` splits a run by.
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

/** The endpoint a chunk belongs to, as reports name it (null: the only one, or the reference realm). */
export const endpointOf = (chunk: Chunk): string | null =>
  chunk.titles.length > 1 ? (chunk.titles[0] ?? null) : null;

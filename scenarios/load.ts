import { readdirSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RealmConfig } from '../server/realm-schema.ts';
import { check, InputError, type Problem, readJson } from '../src/input/data-file.ts';
import { AreaFile, type Scenario } from './schema.ts';

export const CATALOGUE_DIR = fileURLToPath(new URL('.', import.meta.url));

export interface CatalogueEntry extends Scenario {
  /** The file the record came from, relative to the working directory. */
  file: string;
  area: string;
}

export interface Catalogue {
  areas: Array<{ area: string; title: string; file: string; count: number }>;
  scenarios: CatalogueEntry[];
}

/**
 * The one loader: reads every scenarios/<area>.json, validates it against the schema and the realm it
 * runs against, and throws one InputError listing every problem (file + field + message), so a
 * malformed catalogue stops the run before any browser starts.
 */
export function loadCatalogue(realm: RealmConfig, dir: string = CATALOGUE_DIR): Catalogue {
  const problems: Problem[] = [];
  const catalogue: Catalogue = { areas: [], scenarios: [] };
  const firstSeen = new Map<string, string>();
  const pipelines = new Set(realm.pipelines.map((p) => p.name));
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort();
  if (files.length === 0)
    problems.push({ file: dir, field: '(directory)', message: 'holds no scenario files (*.json)' });

  for (const name of files) {
    const path = join(dir, name);
    const file = relative(process.cwd(), path) || path;
    const read = readJson(path);
    if (!read.ok) {
      problems.push(...read.problems.map((p) => ({ ...p, file })));
      continue;
    }
    const checked = check(file, read.value, AreaFile);
    if (!checked.ok) {
      problems.push(...checked.problems);
      continue;
    }
    const { area, title, scenarios } = checked.data;
    if (area !== basename(name, '.json')) {
      problems.push({
        file,
        field: 'area',
        message: `is "${area}" but the file is ${name}: name the file ${area}.json`,
      });
    }
    scenarios.forEach((scenario, index) => {
      const at = (field: string) => `scenarios[${index}].${field}`;
      if (!scenario.id.startsWith(`${area}/`)) {
        problems.push({
          file,
          field: at('id'),
          message: `"${scenario.id}" is not in area "${area}" (expected ${area}/<slug>)`,
        });
      }
      const other = firstSeen.get(scenario.id);
      if (other)
        problems.push({ file, field: at('id'), message: `"${scenario.id}" is already used in ${other}` });
      firstSeen.set(scenario.id, file);
      if (!pipelines.has(scenario.pipeline)) {
        problems.push({
          file,
          field: at('pipeline'),
          message: `"${scenario.pipeline}" is not a pipeline of realm "${realm.name}" (has: ${[...pipelines].join(', ')})`,
        });
      }
      const pipeline = realm.pipelines.find((p) => p.name === scenario.pipeline);
      if (pipeline?.quirks && Object.keys(pipeline.quirks).length > 0 && !scenario.expect) {
        problems.push({
          file,
          field: at('expect'),
          message: `is required: pipeline "${scenario.pipeline}" has quirks, so no policy says what must happen`,
        });
      }
      if (/\bshould\b/i.test(scenario.description)) {
        problems.push({
          file,
          field: at('description'),
          message: 'states a wish ("should"); state the fact the engines enforce',
        });
      }
      catalogue.scenarios.push({ ...scenario, file, area });
    });
    catalogue.areas.push({ area, title, file, count: scenarios.length });
  }
  if (problems.length > 0) throw new InputError(problems);
  return catalogue;
}

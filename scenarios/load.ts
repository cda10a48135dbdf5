import { readdirSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { merge, withMethodDefaults } from '../server/realm.ts';
import { Pipeline, RealmConfig } from '../server/realm-schema.ts';
import { check, fieldPath, InputError, type Problem, readJson } from '../src/input/data-file.ts';
import { AreaFile, Family, type Scenario, ScenarioRecord, type ServerAnswer } from './schema.ts';

export const CATALOGUE_DIR = fileURLToPath(new URL('.', import.meta.url));

export interface CatalogueEntry extends Scenario {
  /** The file the record came from, relative to the working directory. */
  file: string;
  area: string;
}

export interface Catalogue {
  areas: Array<{ area: string; title: string; file: string; count: number }>;
  /** One entry per scenario, families expanded, each naming its pipeline (a realm's or a built one). */
  scenarios: CatalogueEntry[];
  /** The pipelines built from the records' inline `server` answers: realmWithCatalogue adds them to the realm. */
  pipelines: Pipeline[];
}

/** The name of the pipeline built from a record's inline answer: its id, `--` for the slash. */
export const pipelineNameOf = (id: string): string => id.replace('/', '--');

type Json = Record<string, unknown>;
type Path = ReadonlyArray<PropertyKey>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function has(value: unknown, path: Path): boolean {
  let at = value;
  for (const key of path) {
    if (!isObject(at) || !(String(key) in at)) return false;
    at = at[String(key)];
  }
  return true;
}

/** Where a record stands in its file: item `item` of `scenarios`, or case `index` of the family there. */
interface Place {
  item: number;
  family?: { shared: Json; index: number; own: Json };
}

/**
 * The field a problem names, as the author wrote it: in a family, the case's field when the case gives
 * it (or nobody does), else the family's; a case's id is its `slug`.
 */
function fieldAt({ item, family }: Place, path: Path): string {
  if (!family) return fieldPath(['scenarios', item, ...path]);
  const inCase = ['cases', family.index];
  if (path[0] === 'id') return fieldPath(['scenarios', item, ...inCase, 'slug']);
  const head = String(path[0]);
  const ownedByCase = has(family.own, path)
    ? true
    : has(family.shared, path)
      ? false
      : head in family.own || !(head in family.shared);
  return fieldPath(['scenarios', item, ...(ownedByCase ? inCase : []), ...path]);
}

/** The records an item of `scenarios` stands for: itself, or a family's cases filled in from the family. */
function recordsOf(
  item: Json,
  index: number,
  area: string,
  problem: (field: string, message: string) => void,
): Array<{ raw: Json; place: Place }> {
  if (!('cases' in item) && !('family' in item)) return [{ raw: item, place: { item: index } }];
  const checked = Family.safeParse(item);
  if (!checked.success) {
    for (const issue of checked.error.issues)
      problem(fieldPath(['scenarios', index, ...issue.path]), issue.message);
    return [];
  }
  const { family: _label, cases, ...shared } = item;
  return (cases as Json[]).map((kase, caseIndex) => {
    const { slug, ...own } = kase;
    const raw: Json = { id: `${area}/${String(slug)}`, ...shared, ...own };
    if (isObject(shared.server) && isObject(own.server)) raw.server = merge(shared.server, own.server);
    return { raw, place: { item: index, family: { shared, index: caseIndex, own } } };
  });
}

/** Where each built pipeline was stated: its record's file and `server` field. */
const statedAt = new WeakMap<Pipeline, { file: string; field: string }>();

/**
 * The one loader: reads every scenarios/<area>.json, expands its families, validates every record
 * against the schema and the realm it runs against, builds the pipelines of inline `server` answers,
 * and throws one InputError listing every problem (file + field + message), so a malformed catalogue
 * stops the run before any browser starts.
 */
export function loadCatalogue(realm: RealmConfig, dir: string = CATALOGUE_DIR): Catalogue {
  const problems: Problem[] = [];
  const catalogue: Catalogue = { areas: [], scenarios: [], pipelines: [] };
  const firstSeen = new Map<string, string>();
  const pipelines = new Set(realm.pipelines.map((p) => p.name));
  const builtBy = new Map<string, string>();
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort();
  if (files.length === 0)
    problems.push({ file: dir, field: '(directory)', message: 'holds no scenario files (*.json)' });

  for (const name of files) {
    const path = join(dir, name);
    const file = relative(process.cwd(), path) || path;
    // A family's problem shows once, not once per case.
    const reported = new Set<string>();
    const problem = (field: string, message: string) => {
      const key = `${field}\n${message}`;
      if (reported.has(key)) return;
      reported.add(key);
      problems.push({ file, field, message });
    };
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
      problem('area', `is "${area}" but the file is ${name}: name the file ${area}.json`);
    }
    const records = scenarios.flatMap((item, index) => recordsOf(item, index, area, problem));
    for (const { raw, place } of records) {
      const at = (...field: PropertyKey[]) => fieldAt(place, field);
      const parsed = ScenarioRecord.safeParse(raw);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) problem(at(...issue.path), issue.message);
        continue;
      }
      const { server, ...scenario } = parsed.data;
      if (!scenario.id.startsWith(`${area}/`)) {
        problem(at('id'), `"${scenario.id}" is not in area "${area}" (expected ${area}/<slug>)`);
      }
      const other = firstSeen.get(scenario.id);
      if (other) problem(at('id'), `"${scenario.id}" is already used in ${other}`);
      firstSeen.set(scenario.id, file);

      let pipeline: Pipeline | undefined;
      if (scenario.pipeline !== undefined && server !== undefined) {
        // Named where the case gives one of them, else on the record's `server`.
        const field = place.family && 'pipeline' in place.family.own ? 'pipeline' : 'server';
        problem(
          at(field),
          '"pipeline" and "server" are both given: give one, a realm pipeline\'s name or the answer inline',
        );
      } else if (scenario.pipeline === undefined && server === undefined) {
        problem(
          at('pipeline'),
          'is missing: name a pipeline of the realm ("pipeline") or state the answer inline ("server")',
        );
      } else if (scenario.pipeline !== undefined) {
        pipeline = realm.pipelines.find((p) => p.name === scenario.pipeline);
        if (!pipeline) {
          problem(
            at('pipeline'),
            `"${scenario.pipeline}" is not a pipeline of realm "${realm.name}" (has: ${[...pipelines].join(', ')})`,
          );
        }
      } else if (server !== undefined) {
        pipeline = buildPipeline(realm, scenario.id, server, at, problem);
        // (A record whose id is taken is reported once, for its id.)
        if (pipeline && !other) {
          const clash = pipelines.has(pipeline.name) ? `realm "${realm.name}"` : builtBy.get(pipeline.name);
          if (clash) {
            problem(at('id'), `names its inline pipeline "${pipeline.name}", as ${clash} does: rename one`);
          } else {
            builtBy.set(pipeline.name, `${scenario.id} (${file})`);
            statedAt.set(pipeline, { file, field: at('server') });
            catalogue.pipelines.push(pipeline);
          }
        }
      }
      if (pipeline?.quirks && Object.keys(pipeline.quirks).length > 0 && !scenario.expect) {
        problem(
          at('expect'),
          `is required: pipeline "${pipeline.name}" has quirks, so no policy says what must happen`,
        );
      }
      if (scenario.environment !== 'prod' && scenario.scope !== 'reference') {
        problem(
          at('scope'),
          `must be "reference": the ${scenario.environment} environment is the reference realm's (its own host and CORS HTTP header policy)`,
        );
      }
      if (scenario.repeatAfterMs !== undefined && scenario.repeat < 2) {
        problem(at('repeatAfterMs'), 'waits before a repeat: give `repeat` 2 or more, or leave it out');
      }
      if (/\bshould\b/i.test(scenario.description)) {
        problem(at('description'), 'states a wish ("should"); state the fact the engines enforce');
      }
      catalogue.scenarios.push({
        ...scenario,
        pipeline: pipeline?.name ?? scenario.pipeline ?? '',
        file,
        area,
      });
    }
    catalogue.areas.push({ area, title, file, count: records.length });
  }
  if (problems.length > 0) throw new InputError(problems);
  return catalogue;
}

/** The pipeline a record's inline answer stands for, named after the record; undefined after a problem. */
function buildPipeline(
  realm: RealmConfig,
  id: string,
  server: ServerAnswer,
  at: (...field: PropertyKey[]) => string,
  problem: (field: string, message: string) => void,
): Pipeline | undefined {
  const { extends: baseName, ...fields } = server;
  let base: Json = {};
  if (baseName !== undefined) {
    const found = realm.pipelines.find((p) => p.name === baseName);
    if (!found) {
      const names = realm.pipelines.map((p) => p.name).join(', ');
      problem(
        at('server', 'extends'),
        `"${baseName}" is not a pipeline of realm "${realm.name}" (has: ${names})`,
      );
      return undefined;
    }
    const { name: _name, note: _note, ...rest } = found;
    base = rest;
  }
  const built = Pipeline.safeParse(withMethodDefaults({ name: pipelineNameOf(id), ...merge(base, fields) }));
  if (built.success) return built.data;
  for (const issue of built.error.issues) problem(at('server', ...issue.path), issue.message);
  return undefined;
}

/**
 * The realm a run serves: `realm` with the pipelines the catalogue built from inline answers, checked
 * again as one realm (unique names...). A problem with a built pipeline names its record's `server`.
 */
export function realmWithCatalogue(realm: RealmConfig, catalogue: Catalogue): RealmConfig {
  const pipelines = [...realm.pipelines, ...catalogue.pipelines];
  const combined: z.input<typeof RealmConfig> = { ...realm, pipelines };
  const result = RealmConfig.safeParse(combined);
  if (result.success) return result.data;
  throw new InputError(
    result.error.issues.map((issue) => {
      const [key, index, ...rest] = issue.path;
      const built = key === 'pipelines' && typeof index === 'number' ? pipelines[index] : undefined;
      const stated = built && statedAt.get(built);
      if (stated && built) {
        const message = `builds pipeline "${built.name}", whose ${fieldPath(rest)} ${issue.message}`;
        return { ...stated, message };
      }
      return { file: `realm "${realm.name}"`, field: fieldPath(issue.path), message: issue.message };
    }),
  );
}

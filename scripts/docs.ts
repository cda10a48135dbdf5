import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CatalogueEntry } from '../scenarios/load.ts';
import { Level } from '../scenarios/schema.ts';
import { buildServer } from '../server/build-server.ts';
import { loadRealm } from '../server/realm.ts';
import type { RealmConfig } from '../server/realm-schema.ts';
import { KNOWN_DIVERGENCES } from '../src/fetch-standard/known-divergences.ts';
import { preflightNeeded } from '../src/fetch-standard/oracle.ts';
import { diagnose } from '../src/flaws/flaws.ts';
import { readInputs } from '../src/input/inputs.ts';
import { fetchSpec, oracleRequest } from '../src/run/run-scenario.ts';
import { ReferenceTarget } from '../src/run/target.ts';
import { headerPairs, type WireExchange } from '../src/wire/exchange.ts';

/**
 * `npm run docs`: regenerates every region of README.md and docs/*.md between
 * `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` from the code (the catalogue as the loader
 * expands it, the reference realm, the flawed profiles, the recorded divergences). Nothing in those
 * regions is typed by hand. `-- --check` writes nothing and exits 1 when a page is stale.
 */

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FLAWS_DIR = join(ROOT, 'server/realms/flaws');
/** Where the reference realm appears to the engines; only the path and query reach the server here. */
const API_ORIGIN = 'https://api.example.test';
/** The areas whose scenarios tests/flaws.spec.ts runs against each flawed profile. */
const FLAW_AREAS = ['misconfig', 'vary'];
/** How many scenario ids a cell of the misconfigurations table names before it says "and N more". */
const MAX_IDS = 3;

export interface DocFacts {
  /** Scenarios as the loader expands them (catalogue.scenarios), never raw records. */
  scenarios: number;
  areas: Array<{ area: string; title: string; count: number }>;
  levels: Array<{ level: string; count: number }>;
  /** Scenarios with `"scope": "reference"`: they do not run against TARGET_URL. */
  referenceOnly: number;
  /** Pipelines of server/realms/reference.json. */
  pipelines: number;
  /** Pipelines the loader builds from records' inline answers (the run's realm minus the file's). */
  builtPipelines: number;
  divergences: Array<{ subject: string; engine: string; backends: string[]; note: string }>;
  flaws: Array<{ profile: string; flaw: string; shownBy: string[] }>;
}

const code = (text: string) => `\`${text}\``;
const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
const table = (head: string[], rows: string[][]) =>
  [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');

/** The regions' contents, by marker name. A value with a line break is a block, others are inline. */
export function regions(facts: DocFacts): Record<string, string> {
  return {
    'scenario-count': String(facts.scenarios),
    'area-count': String(facts.areas.length),
    'reference-only-count': String(facts.referenceOnly),
    'pipeline-count': String(facts.pipelines),
    'built-pipeline-count': String(facts.builtPipelines),
    'flaw-profile-count': String(facts.flaws.length),
    'divergence-count': String(facts.divergences.length),
    areas: table(
      ['area', 'what it covers', 'scenarios'],
      facts.areas.map((a) => [code(a.area), cell(a.title), String(a.count)]),
    ),
    levels: table(
      ['level', 'scenarios'],
      facts.levels.map((l) => [code(l.level), String(l.count)]),
    ),
    divergences: table(
      ['scenario or class of requests', 'engine', 'backends', 'what the engine does'],
      facts.divergences.map((d) => [
        code(d.subject),
        d.engine,
        d.backends.map(code).join(', '),
        cell(d.note),
      ]),
    ),
    flaws: table(
      ['profile', 'flaw', 'seen in the answers to'],
      facts.flaws.map((f) => {
        const shown = f.shownBy.slice(0, MAX_IDS).map(code);
        if (f.shownBy.length > MAX_IDS) shown.push(`and ${f.shownBy.length - MAX_IDS} more`);
        return [
          `[${f.profile}](../server/realms/flaws/${f.profile}.json)`,
          cell(f.flaw),
          shown.join(', ') || '(none)',
        ];
      }),
    ),
  };
}

const REGION = /<!-- generated:([a-z0-9-]+) -->([\s\S]*?)<!-- \/generated:\1 -->/g;
const OPENING = /<!-- generated:([a-z0-9-]+) -->/g;

/**
 * Every page with its generated regions rewritten from `facts`: a pure function of its inputs.
 * Throws on a marker it does not know or one left unclosed, naming the file.
 */
export function renderDocs(files: Map<string, string>, facts: DocFacts): Map<string, string> {
  const values = regions(facts);
  const rendered = new Map<string, string>();
  for (const [path, text] of files) {
    const opened = [...text.matchAll(OPENING)].length;
    let closed = 0;
    const next = text.replace(REGION, (_match, name: string, _body: string, at: number) => {
      closed++;
      const value = values[name];
      if (value === undefined) {
        throw new Error(
          `${path}: unknown marker generated:${name} (known: ${Object.keys(values).join(', ')})`,
        );
      }
      const block = value.includes('\n');
      // A line that starts with `<!--` is an HTML block in Markdown: an inline count must not start one.
      if (!block && (at === 0 || text[at - 1] === '\n')) {
        throw new Error(`${path}: the count generated:${name} starts a line; put words before it`);
      }
      const body = block ? `\n\n${value}\n\n` : value;
      return `<!-- generated:${name} -->${body}<!-- /generated:${name} -->`;
    });
    if (opened !== closed)
      throw new Error(`${path}: a <!-- generated:NAME --> marker has no <!-- /generated:NAME -->`);
    rendered.set(path, next);
  }
  return rendered;
}

/** One line per page whose generated regions differ from what the code says now. */
export function stalePages(files: Map<string, string>, facts: DocFacts): string[] {
  const rendered = renderDocs(files, facts);
  return [...files]
    .filter(([path, text]) => rendered.get(path) !== text)
    .map(([path]) => `${path} is stale: its generated regions differ from the code; run \`npm run docs\``);
}

/** README.md and docs/*.md, by path relative to the repository root. */
export function readPages(root: string = ROOT): Map<string, string> {
  const paths = [
    'README.md',
    ...readdirSync(join(root, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .sort()
      .map((name) => `docs/${name}`),
  ];
  return new Map(paths.map((path) => [path, readFileSync(join(root, path), 'utf8')]));
}

/** GitHub's anchors for the headings of a Markdown page. */
export function anchorsOf(text: string): Set<string> {
  const headings = text.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6}\s+(.+)$/gm);
  return new Set(
    [...headings].map((h) =>
      (h[1] as string)
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    ),
  );
}

/**
 * The relative links and images of a Markdown page that point to no file, or to a heading a Markdown
 * page does not have.
 */
export function brokenLinks(path: string, text: string, root: string = ROOT): string[] {
  const withoutCode = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  const broken: string[] = [];
  for (const match of withoutCode.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = match[1] as string;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const [file = '', fragment] = target.split('#');
    const full = resolve(root, dirname(path), decodeURIComponent(file));
    if (file !== '' && !existsSync(full)) {
      broken.push(`${path}: ${target}`);
      continue;
    }
    if (fragment === undefined || (file !== '' && !full.endsWith('.md'))) continue;
    const page = file === '' ? text : readFileSync(full, 'utf8');
    if (!anchorsOf(page).has(fragment)) broken.push(`${path}: ${target} (no such heading)`);
  }
  return broken;
}

/** The request as a header list for `inject`, and as the wire records it. */
type Pairs = Array<[string, string]>;

async function exchange(
  app: ReturnType<typeof buildServer>,
  seq: number,
  method: string,
  url: string,
  requestHeaders: Pairs,
  payload: string | undefined,
): Promise<WireExchange> {
  const response = await app.inject({
    method: method as 'GET',
    url,
    headers: Object.fromEntries(requestHeaders),
    ...(payload === undefined ? {} : { payload }),
  });
  return {
    seq,
    method,
    url,
    requestHeaders,
    status: response.statusCode,
    responseHeaders: headerPairs(response.headers as Record<string, string>),
  };
}

/**
 * What `realm`'s server answers to the requests of `scenario` (its `before` requests, then its own),
 * with the preflight an engine would send first where the Fetch standard requires one. Redirects are
 * not followed: the misconfigurations are read from the first answers.
 */
async function answers(
  realm: RealmConfig,
  scenario: CatalogueEntry,
  pageOrigin: string,
): Promise<WireExchange[]> {
  const app = buildServer(realm);
  const target = new ReferenceTarget(realm, API_ORIGIN);
  const wire: WireExchange[] = [];
  for (const request of [...(scenario.before ?? []), scenario.request]) {
    const spec = fetchSpec(scenario, target, 'docs', 1000, request);
    const origin =
      spec.frameOrigin ?? (scenario.pageOrigin === 'null' ? 'null' : (scenario.pageOrigin ?? pageOrigin));
    const asSent = oracleRequest(spec, origin);
    const { pathname, search } = new URL(spec.url);
    const url = `${pathname}${search}`;
    const preflight = preflightNeeded(asSent);
    if (preflight.needed) {
      const headers: Pairs = [
        ['origin', origin],
        ['access-control-request-method', asSent.method],
      ];
      if (preflight.unsafeHeaders.length > 0)
        headers.push(['access-control-request-headers', preflight.unsafeHeaders.join(',')]);
      const answer = await exchange(app, wire.length, 'OPTIONS', url, headers, undefined);
      wire.push(answer);
      if (answer.status === null || answer.status < 200 || answer.status > 299) continue;
    }
    const headers: Pairs = [['origin', origin], ...(asSent.headers as Pairs)];
    const payload = spec.body?.kind === 'text' ? spec.body.text : undefined;
    wire.push(await exchange(app, wire.length, asSent.method, url, headers, payload));
  }
  await app.close();
  return wire;
}

/** Reads everything the pages state from the code: the bundled catalogue, realm and flawed profiles. */
export async function collectFacts(): Promise<DocFacts> {
  const { catalogue, pageOrigin, realm } = readInputs({});
  /** The reference realm as its file states it (the run's realm may add pipelines built from records). */
  const clean = loadRealm();
  const { scenarios } = catalogue;
  const countIn = (area: string) => scenarios.filter((s) => s.area === area).length;
  const divergences = [
    ...scenarios.flatMap((s) =>
      Object.entries(s.divergences ?? {}).map(([engine, d]) => ({
        subject: s.id,
        engine,
        backends: d.backends,
        note: d.note,
      })),
    ),
    ...KNOWN_DIVERGENCES.map((d) => ({
      subject: d.id,
      engine: d.engine,
      backends: [...d.backends],
      note: d.note,
    })),
  ];

  const probes = scenarios.filter((s) => FLAW_AREAS.includes(s.area));
  const flaws: DocFacts['flaws'] = [];
  for (const file of readdirSync(FLAWS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const profile = loadRealm(join(FLAWS_DIR, file));
    const flaw = profile.flaw ?? '';
    const shownBy: string[] = [];
    // A scenario whose pipeline the realm file does not hold (one built from the record) meets no flaw of it.
    const inProfile = probes.filter((s) => profile.pipelines.some((p) => p.name === s.pipeline));
    for (const scenario of inProfile) {
      const named = async (r: RealmConfig) => {
        const allowed = new ReferenceTarget(r, API_ORIGIN).allowedOrigins(scenario);
        return diagnose(await answers(r, scenario, pageOrigin), allowed).some((f) =>
          flaw.startsWith(`${f.flaw}:`),
        );
      };
      if ((await named(profile)) && !(await named(clean))) shownBy.push(scenario.id);
    }
    flaws.push({ profile: basename(file, '.json'), flaw, shownBy });
  }

  return {
    scenarios: scenarios.length,
    areas: catalogue.areas.map((a) => ({ area: a.area, title: a.title, count: countIn(a.area) })),
    levels: Level.options.map((level) => ({
      level,
      count: scenarios.filter((s) => s.level === level).length,
    })),
    referenceOnly: scenarios.filter((s) => s.scope === 'reference').length,
    pipelines: clean.pipelines.length,
    builtPipelines: realm.pipelines.length - clean.pipelines.length,
    divergences,
    flaws,
  };
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const pages = readPages();
  const facts = await collectFacts();
  if (check) {
    const stale = stalePages(pages, facts);
    for (const line of stale) console.error(line);
    process.exit(stale.length > 0 ? 1 : 0);
  }
  for (const [path, text] of renderDocs(pages, facts)) {
    if (text === pages.get(path)) continue;
    writeFileSync(join(ROOT, path), text);
    console.log(`updated ${path}`);
  }
  console.log(
    `${facts.scenarios} scenarios in ${facts.areas.length} areas, ${facts.divergences.length} divergences, ${facts.flaws.length} flawed profiles`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();

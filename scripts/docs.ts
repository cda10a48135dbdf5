import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Level, WPT_SOURCE } from '../scenarios/schema.ts';
import { WPT_BEHAVIOURS } from '../scenarios/wpt-behaviours.ts';
import { loadRealm } from '../server/realm.ts';
import { KNOWN_DIVERGENCES } from '../src/fetch-standard/known-divergences.ts';
import { readInputs } from '../src/input/inputs.ts';
import { CONTRACT_AREA } from '../src/policy/contract.ts';

/**
 * `npm run docs`: regenerates every region of README.md and docs/*.md between
 * `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` from the code (the catalogue as the loader
 * expands it, the reference realm, the flawed profiles, the recorded divergences). Nothing in those
 * regions is typed by hand. `-- --check` writes nothing and exits 1 when a page is stale.
 */

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FLAWS_DIR = join(ROOT, 'server/realms/flaws');
/** The areas whose scenarios tests/flaws.spec.ts runs against each flawed profile. */
const FLAW_AREAS = ['misconfig', 'vary'];

export interface DocFacts {
  /** Scenarios as the loader expands them (catalogue.scenarios), never raw records. */
  scenarios: number;
  areas: Array<{ area: string; title: string; count: number }>;
  levels: Array<{ level: string; count: number }>;
  /** Scenarios with `"scope": "reference"`: they do not run against TARGET_URL. */
  referenceOnly: number;
  /** The contract scenarios generated for the reference realm's contract pipelines. */
  contract: number;
  /** Pipelines of server/realms/reference.json. */
  pipelines: number;
  /** Pipelines the loader builds from records' inline answers (the run's realm minus the file's). */
  builtPipelines: number;
  divergences: Array<{ subject: string; engine: string; backends: string[]; note: string }>;
  /** Each flawed profile: its flaw, the pipelines it changes, the misconfig/ and vary/ scenarios calling them. */
  flaws: Array<{ profile: string; flaw: string; changed: string[]; calledBy: string[] }>;
  /** WPT's CORS behaviours (scenarios/wpt-behaviours.ts), each with the scenarios and files citing it. */
  wpt: Array<{
    id: number;
    title: string;
    files: string[];
    cited: string[];
    scenarios: string[];
    leftOut: string | null;
  }>;
  /** Scenarios where WPT and the Fetch standard's text disagree, with the note. */
  disagreements: Array<{ id: string; note: string }>;
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
    'contract-count': String(facts.contract),
    'pipeline-count': String(facts.pipelines),
    'built-pipeline-count': String(facts.builtPipelines),
    'flaw-profile-count': String(facts.flaws.length),
    'divergence-count': String(facts.divergences.length),
    'wpt-behaviour-count': String(facts.wpt.length),
    'wpt-covered-count': String(facts.wpt.filter((b) => b.scenarios.length > 0).length),
    'wpt-file-count': String(new Set(facts.wpt.flatMap((b) => b.cited)).size),
    'wpt-citing-count': String(new Set(facts.wpt.flatMap((b) => b.scenarios)).size),
    'wpt-coverage': table(
      ['#', "WPT's behaviour", 'WPT files (cited in bold)', 'scenarios mirroring it'],
      facts.wpt.map((b) => [
        String(b.id),
        cell(b.title) + (b.leftOut ? `<br>*Left out: ${cell(b.leftOut)}.*` : ''),
        b.files
          .map((f) => (b.cited.includes(f) ? `**[${f}](${WPT_SOURCE}${f})**` : `[${f}](${WPT_SOURCE}${f})`))
          .join('<br>'),
        b.scenarios.length > 0 ? b.scenarios.map(code).join(', ') : '**none**',
      ]),
    ),
    'wpt-uncovered': uncovered(facts.wpt),
    'wpt-left-out': facts.wpt
      .filter((b) => b.leftOut)
      .map((b) => `- ${b.id}. ${cell(b.title)}: ${cell(b.leftOut ?? '')}.`)
      .join('\n')
      .concat('\n'),
    'standards-disagree': table(
      ['scenario', 'what WPT asserts and the Fetch text gives'],
      facts.disagreements.map((d) => [code(d.id), cell(d.note)]),
    ),
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
      ['profile', 'flaw', 'pipelines it changes', 'scenarios that call them'],
      facts.flaws.map((f) => [
        `[${f.profile}](../server/realms/flaws/${f.profile}.json)`,
        cell(f.flaw),
        f.changed.map(code).join(', '),
        String(f.calledBy.length),
      ]),
    ),
  };
}

/** WPT's behaviours no scenario mirrors yet, as a list (a block even when it is empty). */
function uncovered(wpt: DocFacts['wpt']): string {
  const left = wpt.filter((b) => b.scenarios.length === 0);
  if (left.length === 0) return 'None: every behaviour has at least one scenario.\n';
  return `${left.map((b) => `- ${b.id}. ${cell(b.title)}`).join('\n')}\n`;
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

/** Reads everything the pages state from the code: the bundled catalogue, realm and flawed profiles. */
export async function collectFacts(): Promise<DocFacts> {
  const { catalogue: run, realm } = readInputs({});
  // The catalogue is the scenario files; the contract is generated from the realm's contract pipelines.
  const catalogue = {
    areas: run.areas.filter((a) => a.area !== CONTRACT_AREA),
    scenarios: run.scenarios.filter((s) => s.area !== CONTRACT_AREA),
  };
  const contract = run.scenarios.length - catalogue.scenarios.length;
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

  // Each profile is the clean realm with some pipelines changed; tests/flaws.spec.ts runs the misconfig/
  // and vary/ scenarios against it in every engine. Here: which pipelines it changes, and which of those
  // scenarios call them.
  const probes = scenarios.filter((s) => FLAW_AREAS.includes(s.area));
  const cleanPipeline = new Map(clean.pipelines.map((p) => [p.name, JSON.stringify(p)]));
  const flaws: DocFacts['flaws'] = readdirSync(FLAWS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const profile = loadRealm(join(FLAWS_DIR, file));
      const changed = profile.pipelines
        .filter((p) => cleanPipeline.get(p.name) !== JSON.stringify(p))
        .map((p) => p.name);
      const calledBy = probes.filter((s) => changed.includes(s.pipeline)).map((s) => s.id);
      return { profile: basename(file, '.json'), flaw: profile.flaw ?? '', changed, calledBy };
    });

  return {
    scenarios: scenarios.length,
    areas: catalogue.areas.map((a) => ({ area: a.area, title: a.title, count: countIn(a.area) })),
    levels: Level.options.map((level) => ({
      level,
      count: scenarios.filter((s) => s.level === level).length,
    })),
    referenceOnly: scenarios.filter((s) => s.scope === 'reference').length,
    contract,
    pipelines: clean.pipelines.length,
    builtPipelines: realm.pipelines.length - clean.pipelines.length,
    divergences,
    flaws,
    wpt: WPT_BEHAVIOURS.map((b) => {
      const citing = scenarios.flatMap((s) =>
        s.spec.flatMap((c) =>
          c.source === 'wpt' && c.behaviour === b.id ? [{ id: s.id, path: c.path }] : [],
        ),
      );
      return {
        id: b.id,
        title: b.title,
        files: [...b.files],
        cited: [...new Set(citing.map((c) => c.path))],
        scenarios: [...new Set(citing.map((c) => c.id))],
        leftOut: b.leftOut ?? null,
      };
    }),
    disagreements: scenarios.flatMap((s) =>
      s.standardsDisagree ? [{ id: s.id, note: s.standardsDisagree.note }] : [],
    ),
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

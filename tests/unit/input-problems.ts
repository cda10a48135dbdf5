import assert from 'node:assert/strict';
import { InputError } from '../../src/input/data-file.ts';
import { readInputs } from '../../src/input/inputs.ts';

/** The problems readInputs reports for `env`, as `file: field: message` lines (none when it reads). */
export function problems(env: Record<string, string>): string[] {
  try {
    readInputs(env);
  } catch (error) {
    assert.ok(error instanceof InputError, String(error));
    return error.problems.map((p) => `${p.file}: ${p.field}: ${p.message}`);
  }
  return [];
}

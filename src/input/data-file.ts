import { readFileSync } from 'node:fs';
import type { z } from 'zod';

export interface Problem {
  /** The file the problem is in, or `environment` for an environment variable. */
  file: string;
  /** `scenarios[2].request.method`, or `(file)` for the file as a whole. */
  field: string;
  message: string;
}

/** Bad input (files or environment): every problem as a `file: field: message` line. Entry points print it and exit non-zero. */
export class InputError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'InputError';
  }
}

export const formatProblem = (p: Problem): string => `${p.file}: ${p.field}: ${p.message}`;

/** `scenarios[2].request.method`: the zod issue path as a reader types it. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && !/^[A-Za-z_$][\w$]*$/.test(key)) out += `[${JSON.stringify(key)}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(top level)' : out;
}

/** Parses `value` (read from `file`) with `schema`; returns the problems instead of throwing. */
export function check<S extends z.ZodType>(
  file: string,
  value: unknown,
  schema: S,
): { ok: true; data: z.output<S> } | { ok: false; problems: Problem[] } {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, data: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => ({
      file,
      field: fieldPath(issue.path),
      message: issue.message,
    })),
  };
}

/** Reads a JSON file; a file that cannot be read or parsed is one problem. */
export function readJson(file: string): { ok: true; value: unknown } | { ok: false; problems: Problem[] } {
  try {
    return { ok: true, value: JSON.parse(readFileSync(file, 'utf8')) };
  } catch (error) {
    const what = error instanceof SyntaxError ? 'invalid JSON' : 'cannot read';
    return {
      ok: false,
      problems: [{ file, field: '(file)', message: `${what}: ${(error as Error).message}` }],
    };
  }
}

/** Reads and validates one JSON data file; throws InputError naming the file and every bad field. */
export function readJsonFile<S extends z.ZodType>(file: string, schema: S): z.output<S> {
  const read = readJson(file);
  if (!read.ok) throw new InputError(read.problems);
  const checked = check(file, read.value, schema);
  if (!checked.ok) throw new InputError(checked.problems);
  return checked.data;
}

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The direction of dependencies, as a test: the product core (src/) is importable by specs, scripts,
 * the command line (cli/) and the reference server, and imports none of them. src/ may read the
 * reference realm's data model (its schema and loader: the reference target runs against that realm),
 * never the server's app.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** What each top-level folder may not import, relative to the repository root. */
/** `except`: allowed imports, as `target` (from any file of the folder) or `file -> target`. */
const FORBIDDEN: Record<string, { forbidden: string[]; except?: string[] }> = {
  src: {
    forbidden: ['tests/', 'scripts/', 'server/', 'cli/'],
    except: ['server/realm.ts', 'server/realm-schema.ts'],
  },
  scenarios: { forbidden: ['tests/', 'scripts/'] },
  scripts: { forbidden: ['tests/'] },
  // The server's entry point serves the catalogue's inline pipelines too; the app itself never reads the catalogue.
  server: {
    forbidden: ['tests/', 'scripts/', 'scenarios/', 'cli/'],
    except: ['server/serve.ts -> scenarios/load.ts'],
  },
  // The command line (the package's `bin`) is a shell over the core and the server, as scripts are.
  cli: { forbidden: ['tests/', 'scripts/'] },
};

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mjs|js)$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** Every relative module a file names: static and dynamic imports, and `new URL(..., import.meta.url)`. */
export function importsOf(file: string, text: string): string[] {
  const specifiers = [
    ...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g),
    ...text.matchAll(/new URL\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*,\s*import\.meta\.url/g),
  ].map((m) => m[1] as string);
  return specifiers.map((s) => relative(ROOT, resolve(ROOT, dirname(file), s)));
}

export function violations(files: Array<{ file: string; text: string }>): string[] {
  const found: string[] = [];
  for (const { file, text } of files) {
    const rule = FORBIDDEN[file.split('/')[0] ?? ''];
    if (!rule) continue;
    for (const target of importsOf(file, text)) {
      const allowed = rule.except?.some((e) => e === target || e === `${file} -> ${target}`) ?? false;
      const bad = rule.forbidden.some((f) => target.startsWith(f)) && !allowed;
      if (bad) found.push(`${file} imports ${target}`);
    }
  }
  return found;
}

describe('the direction of dependencies', () => {
  it('src/, scenarios/, scripts/, server/ and cli/ import only what their layer may', () => {
    const files = Object.keys(FORBIDDEN).flatMap((dir) =>
      sourceFiles(dir).map((file) => ({ file, text: readFileSync(join(ROOT, file), 'utf8') })),
    );
    assert.ok(
      files.some((f) => f.file.startsWith('src/run/')),
      'the scan sees src/',
    );
    assert.deepEqual(violations(files), []);
  });

  it('fails for a core file that reaches into tests/ or the server app (the check can fail)', () => {
    const text = [
      "import { test } from '../../tests/fixtures.ts';",
      "const app = await import('../../server/build-server.ts');",
      "import { loadRealm } from '../../server/realm.ts';",
    ].join('\n');
    assert.deepEqual(violations([{ file: 'src/run/bad.ts', text }]), [
      'src/run/bad.ts imports tests/fixtures.ts',
      'src/run/bad.ts imports server/build-server.ts',
    ]);
  });
});

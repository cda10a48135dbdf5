import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * `npm run build` (and `npm pack`, through prepack): the package's JavaScript in dist/, laid out as the
 * repository is, with the data files beside the modules that read them. Playwright compiles TypeScript
 * it loads from a project, never from node_modules, so an installed package must carry JavaScript.
 */
const OUT = 'dist';
/** What the modules read at run time, by paths relative to themselves (import.meta.url). */
const DATA: Array<{ dir: string; files: RegExp }> = [
  { dir: 'scenarios', files: /^[^/]+\.json$/ },
  { dir: 'server/realms', files: /\.json$/ },
  { dir: 'src/engines', files: /^(cc-fetch\.js|webkitgtk-host\.py)$/ },
  { dir: 'policies', files: /^[^/]+\.json$/ },
  { dir: '.', files: /^allurerc\.mjs$/ },
];

rmSync(OUT, { recursive: true, force: true });
const tsc = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (tsc.status !== 0) {
  console.error('cors-conformance: build: tsc failed, see above');
  process.exit(1);
}
let copied = 0;
for (const { dir, files: pattern } of DATA) {
  const files = readdirSync(dir, { recursive: dir !== '.', encoding: 'utf8' })
    .filter((f) => pattern.test(f))
    .map((f) => join(dir, f));
  if (files.length === 0) {
    console.error(`cors-conformance: build: no file in ${dir}/ matches ${pattern}`);
    process.exit(1);
  }
  for (const file of files) {
    mkdirSync(join(OUT, dirname(file)), { recursive: true });
    cpSync(file, join(OUT, file));
    copied++;
  }
}
console.log(`cors-conformance: build: ${OUT}/ written (${copied} data files beside the modules)`);

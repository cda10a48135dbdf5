import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  backendPreference,
  DEBIAN_PACKAGES,
  describeBackend,
  resolveBackend,
  WEBKITGTK_HOST_PACKAGES,
} from '../src/engines/backends.ts';
import { ENGINES, type EngineName } from '../src/engines/session.ts';

/**
 * `npm run setup`: makes every engine usable. Playwright's browsers where downloads work (ordinary CI),
 * else Debian's packages (locked-down hosts, where `playwright install` fails within seconds).
 * Fast when everything is there already.
 */
const preference = backendPreference(process.env.ENGINE_BACKEND);
const missing = (): EngineName[] =>
  ENGINES.filter((e) => resolveBackend(e, preference).kind === 'unavailable');

function run(command: string, args: string[], timeoutMs: number): boolean {
  console.log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', timeout: timeoutMs });
  return result.status === 0;
}

const isRoot = process.getuid?.() === 0;
/** apt-get as root: directly when we are root, else through non-interactive sudo. */
const aptGet = (...args: string[]) => {
  const command = ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args];
  const [program = 'env', ...rest] = isRoot ? command : ['sudo', '-n', ...command];
  return run(program, rest, 10 * 60_000);
};

let needed = missing();
if (needed.length > 0 && preference !== 'system') {
  // Download first (it fails within seconds where downloads are blocked), system libraries after.
  console.log(`Installing Playwright's browsers for: ${needed.join(', ')}`);
  if (run('npx', ['playwright', 'install', ...needed], 10 * 60_000)) {
    // Through sudo the PATH is reset; carry ours so that npx (and node) are found.
    const [program = 'npx', ...rest] = isRoot
      ? ['npx', 'playwright', 'install-deps', ...needed]
      : [
          'sudo',
          '-n',
          'env',
          `PATH=${process.env.PATH ?? ''}`,
          'npx',
          'playwright',
          'install-deps',
          ...needed,
        ];
    run(program, rest, 10 * 60_000);
  } else {
    console.log("Playwright's browser download failed; trying the system packages.");
  }
  needed = missing();
}
if (needed.length > 0 && preference !== 'playwright') {
  const packages = [...new Set(needed.flatMap((e) => DEBIAN_PACKAGES[e]))];
  console.log(`Installing Debian packages: ${packages.join(' ')}`);
  aptGet('update', '-qq');
  aptGet('install', '-y', '-qq', ...packages);
  needed = missing();
}

/**
 * Debian packages the acceptance tests start as real CORS servers (tests/acceptance/real-servers.ts),
 * each with the file whose presence says it is installed. Checked without running anything.
 */
const ACCEPTANCE_DEBIAN_PACKAGES: ReadonlyArray<{ name: string; installs: string }> = [
  { name: 'nginx', installs: '/usr/sbin/nginx' },
  { name: 'python3-flask-cors', installs: '/usr/lib/python3/dist-packages/flask_cors/__init__.py' },
];
const acceptanceMissing = () => ACCEPTANCE_DEBIAN_PACKAGES.filter((p) => !existsSync(p.installs));
// Only for this project's own tests (`npm test` passes --acceptance): a conformance run needs none of them.
if (process.argv.includes('--acceptance') && acceptanceMissing().length > 0) {
  const packages = acceptanceMissing().map((p) => p.name);
  console.log(`Installing Debian packages for the acceptance tests: ${packages.join(' ')}`);
  aptGet('update', '-qq');
  aptGet('install', '-y', '-qq', ...packages);
  for (const p of acceptanceMissing())
    console.error(
      `cors-conformance: ${p.name} did not install (no ${p.installs}); the acceptance tests need it.`,
    );
}

const webkit = resolveBackend('webkit', preference);
if (webkit.kind === 'webkitgtk-webdriver' && !webkit.consoleMessages) {
  console.log(
    `WebKitGTK runs without engine messages or HTTP cache; installing ${WEBKITGTK_HOST_PACKAGES.join(' ')}`,
  );
  aptGet('install', '-y', '-qq', ...WEBKITGTK_HOST_PACKAGES);
}
for (const engine of ENGINES)
  console.log(`${engine.padEnd(9)} ${describeBackend(resolveBackend(engine, preference))}`);
if (needed.length > 0) {
  console.error(`cors-conformance: no usable engine for ${needed.join(', ')}; see the lines above.`);
  process.exit(1);
}

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANY_API_KEY, startManyEndpoints } from './many-endpoints.ts';

/**
 * `npm run bench:realm -- [N] [playwright args]`: a realm-sized run, timed. Starts an API of N
 * endpoints (default 50) behind @fastify/cors, imports its OpenAPI document into a targets file
 * (`npm run targets -- --openapi`), and runs the catalogue's endpoint scenarios and each endpoint's
 * contract against it, in every engine (or those the arguments select), once. Prints the wall time
 * and Playwright's own tally; exits with the run's status.
 */
const [first, ...rest] = process.argv.slice(2);
const count = first && /^\d+$/.test(first) ? Number(first) : 50;
const args = first && /^\d+$/.test(first) ? rest : process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'bench-realm-'));
const api = await startManyEndpoints(count, dir);
const targets = join(dir, 'targets.json');
const imported = spawnSync(
  'npx',
  ['tsx', 'scripts/targets.ts', '--openapi', api.openapi, '--defaults', api.defaults, '--out', targets],
  { stdio: ['ignore', 'inherit', 'inherit'] },
);
if (imported.status !== 0) process.exit(imported.status ?? 1);
console.log(`bench:realm: ${count} endpoints at ${api.base}, targets ${targets}`);
const started = performance.now();
// Asynchronously: the API under test lives in this process.
const { spawn } = await import('node:child_process');
const child = spawn('npx', ['playwright', 'test', 'tests/conformance.spec.ts', ...args], {
  env: { ...process.env, CORS_TARGETS: targets, API_KEY: MANY_API_KEY },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let tail = '';
child.stdout.on('data', (chunk: Buffer) => {
  const text = chunk.toString();
  // Progress lines only: the list reporter's line per test would bury them.
  for (const line of text.split('\n')) if (/^cors-conformance: \d+\/\d+ tests/.test(line)) console.log(line);
  tail = (tail + text).slice(-20_000);
});
const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
const seconds = (performance.now() - started) / 1000;
console.log(tail.slice(tail.lastIndexOf('\n  ', tail.search(/\n\s+\d+ (passed|failed)/)) + 1));
console.log(
  `bench:realm: ${count} endpoints, ${args.join(' ') || 'all engines'}: ${seconds.toFixed(0)} s wall`,
);
await api.close();
rmSync(dir, { recursive: true, force: true });
process.exit(status ?? 1);

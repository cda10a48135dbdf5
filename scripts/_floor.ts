import type { AddressInfo } from 'node:net';
import { chromium, firefox, webkit } from '@playwright/test';
import { buildServer } from '../server/build-server.ts';
import { resolveBackend } from '../src/engines/backends.ts';
import { launchEngine } from '../src/engines/launch.ts';
import { pagesThrough } from '../src/engines/pages.ts';
import { loadInputs } from '../src/input/inputs.ts';
import { runScenario } from '../src/run/run-scenario.ts';
import { createTarget } from '../src/run/target.ts';
import { proxyOptionsOf } from '../src/wire/proxy-options.ts';
import { startRecordingProxy } from '../src/wire/recording-proxy.ts';

const inputs = loadInputs();
const target = createTarget(inputs);
const app = buildServer(inputs.realm);
await app.listen({ host: 'localhost', port: 0 });
const proxy = await startRecordingProxy(
  proxyOptionsOf(inputs, `localhost:${(app.server.address() as AddressInfo).port}`),
);
const backend = resolveBackend((process.argv[2] ?? 'chromium') as 'chromium');
if (backend.kind === 'unavailable') throw new Error('x');
const t0 = performance.now();
const engine = await launchEngine(backend, { headless: true, fallback: { chromium, firefox, webkit } });
const pages = pagesThrough(engine, proxy.server);
const times: [number, string][] = [];
for (const scenario of inputs.catalogue.scenarios) {
  const t = performance.now();
  const page = await pages.get(scenario.pageOrigin ?? inputs.pageOrigin);
  await runScenario(scenario, engine, page, target, proxy.wire);
  times.push([performance.now() - t, scenario.id]);
}
console.log('total', Math.round(performance.now() - t0));
times.sort((a, b) => b[0] - a[0]);
console.log(
  times
    .slice(0, 20)
    .map(([ms, id]) => `${Math.round(ms)} ${id}`)
    .join('\n'),
);
console.log(
  'sum>100',
  Math.round(times.filter(([ms]) => ms > 100).reduce((a, [ms]) => a + ms, 0)),
  'rest',
  Math.round(times.filter(([ms]) => ms <= 100).reduce((a, [ms]) => a + ms, 0)),
);
await pages.closeAll();
await engine.close();
await proxy.close();
await app.close();

import { chromium, firefox } from '@playwright/test';
import { buildServer } from './server/build-server.ts';
import { loadRealm } from './server/realm.ts';
import { startRecordingProxy } from './tests/harness/recording-proxy.ts';

const app = buildServer(loadRealm());
await app.listen({ host: 'localhost', port: 0 });
const port = (app.server.address() as any).port;
let t = Date.now();
const proxy = await startRecordingProxy({
  pageOrigins: ['https://app.example.test', 'http://app.example.test', 'https://evil.example'],
  upstreams: [
    { host: 'api.example.test', forwardTo: { host: `localhost:${port}`, protocol: 'http' } },
    { host: `localhost:${port}` },
    { host: 'localhost:1' },
    { host: 'no-such-host.invalid' },
  ],
});
console.log('proxy start', Date.now() - t, 'ms, port', proxy.port);
const browsers = {
  chromium: () =>
    chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    }),
  firefox: () =>
    firefox.launch({
      channel: 'moz-firefox',
      executablePath: '/usr/bin/firefox-esr',
      firefoxUserPrefs: { 'network.proxy.allow_hijacking_localhost': true },
    } as any),
};
for (const [name, launch] of Object.entries(browsers)) {
  const b = await launch();
  for (const pageOrigin of ['https://app.example.test', 'http://app.example.test']) {
    const ctx = await b.newContext({ proxy: { server: proxy.server }, ignoreHTTPSErrors: true });
    const p = await ctx.newPage();
    p.on('console', (m) => m.type() === 'error' && console.log('   console', m.text().slice(0, 160)));
    p.on('pageerror', (e) => console.log('   pageerror', e.message.slice(0, 160)));
    t = Date.now();
    await p.goto(`${pageOrigin}/`);
    console.log(name, pageOrigin, 'goto', Date.now() - t);
    for (const [label, url, method, headers] of [
      [
        'ex1-https-api',
        'https://api.example.test/pipeline/reference/v1/cors-example',
        'GET',
        [
          ['Content-Type', 'application/json'],
          ['apikey', 'demo-key'],
        ],
      ],
      [
        'ex2-http-api',
        'http://api.example.test/pipeline/reference/v1/cors-example',
        'GET',
        [
          ['apikey', 'demo-key'],
          ['test', '1'],
        ],
      ],
      [
        'ex1-localhost',
        `http://localhost:${port}/pipeline/reference/v1/cors-example`,
        'GET',
        [['apikey', 'demo-key']],
      ],
      ['closed-port', 'http://localhost:1/x', 'GET', []],
      ['unknown-host', 'http://no-such-host.invalid/x', 'GET', []],
      ['refused-host', 'http://not-listed.example/x', 'GET', []],
    ] as const) {
      const token = `${label}-${name}-${Math.random().toString(36).slice(2, 6)}`;
      const full = `${url}?cors-conformance=${token}`;
      t = Date.now();
      const out: any = await p.evaluate((spec) => (window as any).ccFetch(spec), {
        url: full,
        method,
        headers,
        credentials: 'same-origin',
        body: null,
        mode: 'cors',
        timeoutMs: 5000,
      });
      const wire = await proxy.wire(token);
      console.log(
        `  ${label.padEnd(14)} ${String(Date.now() - t).padStart(4)}ms ${out.kind} ${out.status ?? out.message ?? ''} | proxy: ${wire.map((e) => `${e.method} ${e.status}${e.failure ? ' ' + e.failure : ''}`).join(', ')} | server: ${app.requestLog
          .read(token)
          .map((e) => `${e.method} ${e.status}`)
          .join(', ')}`,
      );
    }
    await ctx.close();
  }
  await b.close();
}
await proxy.close();
await app.close();

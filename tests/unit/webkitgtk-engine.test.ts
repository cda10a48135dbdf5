import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { resolveBackend } from '../../src/engines/backends.ts';
import { WebKitGtkEngine } from '../../src/engines/webkitgtk-engine.ts';

/**
 * A WebKitWebDriver slow to listen (a loaded machine) still gives the page its session at the first
 * attempt. Building a selenium driver sends POST /session at once and retries a refused connection three
 * times 15 ms apart: started before the driver listened, a session failed with ECONNREFUSED, three times
 * in a row on a busy CI machine, and the test's verdict with it.
 * Real WebKitGTK (`npm run setup` installs it), behind a driver that takes 300 ms to start.
 */
describe('WebKitGTK sessions (src/engines/webkitgtk-engine.ts)', () => {
  // One server is the page's origin and its proxy: a proxied request names the whole URL, answered alike.
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>page</title>');
  });
  after(() => server.close());

  it('starts a session with a driver slow to listen, at the first attempt', async () => {
    const backend = resolveBackend('webkit', 'system');
    assert.equal(backend.kind, 'webkitgtk-webdriver', 'WebKitGTK is not installed: npm run setup');
    if (backend.kind !== 'webkitgtk-webdriver') return;
    const slow = join(mkdtempSync(join(tmpdir(), 'slow-driver-')), 'WebKitWebDriver');
    writeFileSync(slow, `#!/bin/sh\nsleep 0.3\nexec ${backend.driver} "$@"\n`);
    chmodSync(slow, 0o755);

    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const said: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      said.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    const engine = await WebKitGtkEngine.launch({ ...backend, driver: slow });
    try {
      const page = await engine.openPage(origin, { proxyServer: origin });
      assert.equal(page.origin, origin);
      await page.close();
    } finally {
      process.stderr.write = write;
      await engine.close();
    }
    assert.deepEqual(
      said.filter((line) => line.includes('failed to start')),
      [],
      'no session had to be started again',
    );
  });
});

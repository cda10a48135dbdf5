import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describeBackend } from '../engines/backends.ts';
import type { Backend } from '../engines/session.ts';
import type { Inputs } from '../input/inputs.ts';

/** The version of an engine as installed, without launching it (for the report's environment). */
export function installedVersion(backend: Backend): string {
  const run = (command: string, args: string[]) =>
    spawnSync(command, args, { encoding: 'utf8', timeout: 5_000 }).stdout?.trim().split('\n')[0] ?? '';
  switch (backend.kind) {
    case 'playwright': {
      // playwright-core exports its package.json, not browsers.json beside it.
      const browsersJson = join(
        dirname(createRequire(import.meta.url).resolve('playwright-core/package.json')),
        'browsers.json',
      );
      const browsers = JSON.parse(readFileSync(browsersJson, 'utf8')).browsers as Array<{
        name: string;
        browserVersion?: string;
      }>;
      return browsers.find((b) => b.name === backend.engine)?.browserVersion ?? 'unknown';
    }
    case 'system-chromium':
    case 'system-firefox-bidi':
      return run(backend.executable, ['--version']) || 'unknown';
    case 'webkitgtk-webdriver':
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query field reference.
      return `WebKitGTK ${run('dpkg-query', ['-W', '-f=${Version}', 'webkit2gtk-driver']) || 'unknown'}`;
    case 'unavailable':
      return 'not installed';
  }
}

/** Allure's environment section: what was tested, against what, with which engines. */
export function environmentInfo(inputs: Inputs, backends: Backend[]): Record<string, string> {
  const { endpoint, endpoints, catalogue, realm } = inputs;
  const info: Record<string, string> = {
    target: endpoint
      ? endpoint.url.href
      : endpoints.length > 0
        ? `${endpoints.length} endpoints of the targets file ${process.env.CORS_TARGETS}: ${endpoints.map((e) => `${e.name} ${e.url.href}`).join(', ')}`
        : `reference realm "${realm.name}" (bundled server) at https://api.example.test`,
    policy: endpoint
      ? endpoint.policy
        ? `${endpoint.policyFile}: ${JSON.stringify({ ...endpoint.policy, apiKey: endpoint.policy.apiKey ? '(set)' : undefined })}`
        : 'none: discovery (what the engines find the endpoint allows)'
      : endpoints.length > 0
        ? `each endpoint's policy: ${endpoints.map((e) => `${e.name} ${e.policyFile}`).join(', ')}`
        : "each reference pipeline's own configuration (server/realms)",
    'page origin': inputs.pageOrigin,
    catalogue: `${catalogue.scenarios.length} scenarios in ${catalogue.areas.length} areas`,
  };
  // Asked for when Allure writes the environment, at the end of the run: each probe starts a process
  // (0.1 s in all), which at the start would hold up the workers.
  for (const backend of backends) {
    let value: string | undefined;
    Object.defineProperty(info, `engine ${backend.engine}`, {
      enumerable: true,
      get: () => {
        value ??= `${installedVersion(backend)}; ${describeBackend(backend)}`;
        return value;
      },
    });
  }
  return info;
}

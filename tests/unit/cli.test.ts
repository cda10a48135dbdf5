import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { tellingLine } from '../../src/engines/setup.ts';

/**
 * The command line (cli/main.ts) where no browser is needed: help, the exit code of bad usage and bad
 * input (2, one message, nothing run), what `init` refuses to overwrite. tests/acceptance/package.test.ts
 * runs it installed from its tarball, against real servers and engines.
 */

const BIN = resolve('cli/bin.ts');
const TSX = resolve('node_modules/tsx/dist/loader.mjs');

function cli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  for (const name of ['TARGET_URL', 'CORS_POLICY', 'CORS_TARGETS', 'ENGINES', 'PAGE_ORIGIN'])
    if (!options.env?.[name]) delete env[name];
  const result = spawnSync(process.execPath, ['--import', TSX, BIN, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env,
    encoding: 'utf8',
  });
  return { status: result.status, out: result.stdout + result.stderr };
}

describe('cors-conformance (the command line)', () => {
  it('has help for every subcommand, with the exit codes', () => {
    const help = cli(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.out, /Exit codes: 0 every verdict as expected, 1 a verdict differs/);
    for (const sub of ['run', 'discover', 'init', 'reference-server', 'setup', 'report']) {
      const one = cli([sub, '--help']);
      assert.equal(one.status, 0, `${sub} --help`);
      assert.match(one.out, new RegExp(`Usage: cors-conformance ${sub}`));
    }
  });

  it('exits 2 on an unknown flag or engine, or a bad policy, naming it, before anything runs', () => {
    const flag = cli(['run', '--polcy', 'x.json']);
    assert.equal(flag.status, 2);
    assert.match(flag.out, /unknown option '--polcy'/);
    const engine = cli(['run', '--engines', 'chromium,edge']);
    assert.equal(engine.status, 2);
    assert.match(
      engine.out,
      /ENGINES names edge; the engines are chromium, firefox, webkit; nothing was run/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    writeFileSync(join(dir, 'p.json'), JSON.stringify({ methods: ['GET'], allowOrigin: 42 }));
    const policy = cli(['run', '--target', 'https://api.example.com/x', '--policy', 'p.json'], { cwd: dir });
    assert.equal(policy.status, 2, policy.out);
    assert.match(policy.out, /p\.json: allowOrigin: /);
    assert.doesNotMatch(policy.out, /Running \d+ tests/);
    const shard = cli(['run', '--shard', '3/2']);
    assert.equal(shard.status, 2);
    assert.match(shard.out, /--shard is "3\/2": give i\/n/);
    // The environment works as the flags do.
    const env = cli(['run'], { env: { TARGET_URL: 'ftp://x.example/' } });
    assert.equal(env.status, 2);
    assert.match(env.out, /TARGET_URL: "ftp:\/\/x\.example\/" is not http or https/);
  });

  it('refuses a targets file with one endpoint as well, and discovery with a policy', () => {
    const both = cli(['run', '--target', 'https://api.example.com/x', '--targets', 'package.json']);
    assert.equal(both.status, 2);
    assert.match(both.out, /CORS_TARGETS and TARGET_URL are both set/);
    const discover = cli(['discover', '--target', 'https://api.example.com/x'], {
      env: { CORS_POLICY: 'p.json' },
    });
    assert.equal(discover.status, 2);
    assert.match(discover.out, /discover takes a URL alone/);
  });

  it('init overwrites nothing without --force, and needs a target', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-init-'));
    mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
    writeFileSync(join(dir, 'cors-policy.json'), '{"mine": true}');
    const refused = cli(['init', '--target', 'https://api.example.com/x'], { cwd: dir });
    assert.equal(refused.status, 2);
    assert.match(refused.out, /init would overwrite cors-policy\.json; move them, or pass --force/);
    assert.equal(readFileSync(join(dir, 'cors-policy.json'), 'utf8'), '{"mine": true}');
    const bad = cli(['init', '--target', 'not a url', '--force'], { cwd: dir });
    assert.equal(bad.status, 2, bad.out);
    assert.match(bad.out, /TARGET_URL: "not a url" is not an absolute URL/);
    const none = cli(['init'], { cwd: dir });
    assert.equal(none.status, 2);
    assert.match(none.out, /init needs --target URL/);
  });

  it('reference-server refuses a port that is not one', () => {
    const bad = cli(['reference-server', '--port', 'eighty']);
    assert.equal(bad.status, 2);
    assert.match(bad.out, /--port is "eighty": a port is a whole number/);
  });
});

describe('setup, quietly', () => {
  it("keeps of a failed step's output its telling line", () => {
    const download = [
      'Downloading Chrome for Testing 156.0.8078.4 (playwright chromium v1248) from https://cdn.playwright.dev/x.zip',
      'Error: getaddrinfo ENOTFOUND cdn.playwright.dev {',
      '  errno: -3008,',
      '    at GetAddrInfoReqWrap.onlookupall (node:internal/dns/promises:99:17)',
      'Failed to install browsers',
      'Error: Failed to download Chrome for Testing 156.0.8078.4 (playwright chromium v1248), caused by',
      'Error: Download failure, code=1',
    ].join('\n');
    assert.equal(tellingLine(download), 'Error: getaddrinfo ENOTFOUND cdn.playwright.dev');
    assert.equal(
      tellingLine('Reading package lists...\nE: Unable to locate package nosuch'),
      'E: Unable to locate package nosuch',
    );
    assert.equal(tellingLine('one\ntwo\n'), 'two');
    assert.equal(tellingLine(''), 'no output');
  });
});

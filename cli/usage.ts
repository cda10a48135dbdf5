import { statSync } from 'node:fs';
import { ENGINES } from '../src/engines/session.ts';

/**
 * What the command line (cli/main.ts) and the nightly script (scripts/nightly.ts) check before
 * anything runs: the engines asked for and what the run is against. A problem is a UsageError: said on
 * stderr, exit 2, nothing run.
 */

/** A bad input or argument: said on stderr, exit 2, nothing run. */
export class UsageError extends Error {}

export type Env = Record<string, string | undefined>;

/** The Playwright projects ENGINES names (none: every engine). */
export function projects(env: Env): string[] {
  const wanted = (env.ENGINES ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const unknown = wanted.filter((e) => !(ENGINES as readonly string[]).includes(e));
  if (unknown.length > 0)
    throw new UsageError(`ENGINES names ${unknown.join(', ')}; the engines are ${ENGINES.join(', ')}`);
  return wanted.map((engine) => `--project=${engine}`);
}

/**
 * What the run is against, as a sentence; a UsageError when one endpoint and a targets file are both
 * given (in CI: the target_url and targets inputs, or the repository variables) or the file is missing.
 * The config checks the files themselves (playwright.config.ts), before any browser starts.
 */
export function targetOf(env: Env): string {
  const value = (name: string) => env[name]?.trim() || undefined;
  const [url, policy, targets] = [value('TARGET_URL'), value('CORS_POLICY'), value('CORS_TARGETS')];
  if (targets) {
    const also = [url && 'TARGET_URL', policy && 'CORS_POLICY'].filter(Boolean).join(' and ');
    if (also)
      throw new UsageError(
        `CORS_TARGETS and ${also} are both set: give one endpoint (TARGET_URL, CORS_POLICY) or a targets file (CORS_TARGETS), not both (in CI: the inputs target_url and targets, or the repository variables of these names)`,
      );
    if (!statSync(targets, { throwIfNoEntry: false })?.isFile())
      throw new UsageError(
        `CORS_TARGETS is "${targets}", which is not a file here: name a targets file in the repository (npm run targets writes one)`,
      );
    return `the endpoints of the targets file ${targets}`;
  }
  if (url)
    return `one endpoint, ${url}, ${policy ? `with the policy ${policy}` : 'without a policy (discovery)'}`;
  return `the reference realm${value('REALM_CONFIG') ? ` ${value('REALM_CONFIG')}` : ''}`;
}

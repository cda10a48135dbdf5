import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ENGINES } from '../engines/session.ts';

/** Where discovery writes the inferred policy and each engine's profile (DISCOVERY_DIR, default cors-discovery/). */
export const DISCOVERY_DIR = resolve(process.env.DISCOVERY_DIR ?? 'cors-discovery');
export const INFERRED_POLICY = join(DISCOVERY_DIR, 'policy.json');

/** Removes what an earlier discovery wrote there (its own files only: the directory may be the user's). */
export function clearDiscovery(): void {
  for (const name of ['policy.json', ...ENGINES.flatMap((e) => [`policy.${e}.json`, `profile.${e}.txt`])])
    rmSync(join(DISCOVERY_DIR, name), { force: true });
}

/**
 * After a discovery run: the one inferred policy (the first engine's, in the order chromium, firefox,
 * webkit), written as policy.json for review and use as CORS_POLICY, and the lines to print: where it
 * is, each engine's profile, and the engines whose inference differs (an engine departing from the
 * standard, as with `*` covering Authorization).
 */
export function concludeDiscovery(): string[] {
  const found = ENGINES.flatMap((engine) => {
    const file = join(DISCOVERY_DIR, `policy.${engine}.json`);
    if (!existsSync(file)) return [];
    const profile = join(DISCOVERY_DIR, `profile.${engine}.txt`);
    return [
      {
        engine,
        policy: readFileSync(file, 'utf8'),
        profile: existsSync(profile) ? readFileSync(profile, 'utf8').trimEnd() : '',
      },
    ];
  });
  const [first] = found;
  if (!first) return ['discovery: no engine finished its probes, so no policy was inferred'];
  writeFileSync(INFERRED_POLICY, first.policy);
  const differing = found.filter((f) => f.policy !== first.policy).map((f) => f.engine);
  return [
    ...found.map((f) => f.profile),
    `discovery: the inferred policy is ${INFERRED_POLICY} (from ${first.engine}); review it, then run with CORS_POLICY=${INFERRED_POLICY} to check the endpoint against it`,
    ...(differing.length > 0
      ? [
          `discovery: ${differing.join(', ')} inferred otherwise (see policy.<engine>.json there): an engine departs from the standard here`,
        ]
      : []),
  ];
}

import type { Backend, EngineName } from '../engines/session.ts';
import type { BlockReason, ExpectedOutcome } from '../outcome/outcome.ts';
import type { OracleRequest } from './oracle.ts';
import { isLoopbackHost, pageScheme } from './rules.ts';

/**
 * Where an engine is known to depart from the Fetch standard for a whole class of requests (what
 * web-platform-tests keeps in per-engine expectation files). The test then expects what the engine
 * does, so a change in the engine still fails it, and the report marks it as a divergence.
 * Divergences that concern one scenario live in that scenario's record (`divergences`).
 */
export interface KnownDivergence {
  id: string;
  engine: EngineName;
  /** The backends it was seen on; others are not assumed to share it. */
  backends: Backend['kind'][];
  note: string;
  /** Whether it applies to this request, given why the standard blocks it (if it does). */
  applies(request: OracleRequest, reason: BlockReason | undefined): boolean;
  /** What the engine does instead; with `skips`, what the rest of the answer gives once it skips that check. */
  behaviour: ExpectedOutcome;
  /** The one check of the standard the engine skips (the expectation then follows the rest of the answer). */
  skips?: BlockReason['code'];
}

export const KNOWN_DIVERGENCES: KnownDivergence[] = [
  {
    id: 'webkit-mixed-content-loopback',
    engine: 'webkit',
    backends: ['webkitgtk-webdriver'],
    note:
      'WebKitGTK 2.50 blocks an https page fetching http://localhost (or 127.0.0.1) as mixed content and sends nothing; ' +
      'Mixed Content exempts loopback as potentially trustworthy, and Chromium and Firefox send the request',
    applies: (request) => {
      const url = new URL(request.url);
      return (
        pageScheme(request.origin) === 'https:' && url.protocol === 'http:' && isLoopbackHost(url.hostname)
      );
    },
    behaviour: { verdict: 'blocked', stage: 'before-request' },
  },
  // `*` in Access-Control-Allow-Headers covering Authorization (#cors-non-wildcard-request-header-name):
  // no engine here enforces it yet. allow-headers/wildcard-does-not-cover-authorization records it for
  // the reference realm; against a target, a policy that leads the standard to this block meets it too.
  ...(
    [
      [
        'chromium',
        ['system-chromium', 'playwright'],
        'Chromium 156 lets `*` in Access-Control-Allow-Headers cover Authorization and sends the request; enforcement waits (https://chromestatus.com/feature/5742041264816128)',
      ],
      [
        'firefox',
        ['system-firefox-bidi', 'playwright'],
        'Firefox ESR 153 lets `*` in Access-Control-Allow-Headers cover Authorization and sends the request; the check exists behind a preference, off by default (https://bugzilla.mozilla.org/show_bug.cgi?id=1687364)',
      ],
      [
        'webkit',
        ['webkitgtk-webdriver'],
        'WebKitGTK 2.50 lets `*` in Access-Control-Allow-Headers cover Authorization and sends the request; no enforcement seen',
      ],
    ] as const
  ).map(
    ([engine, backends, note]): KnownDivergence => ({
      id: `${engine}-wildcard-covers-authorization`,
      engine,
      backends: [...backends],
      note,
      // Only the wildcard, and only without credentials (with them `*` is a literal name for every engine).
      applies: (request, reason) =>
        reason?.code === 'authorization-not-listed' &&
        (reason.allowed ?? []).includes('*') &&
        request.credentials !== 'include',
      behaviour: { verdict: 'allowed' },
      skips: 'authorization-not-listed',
    }),
  ),
];

export function knownDivergence(
  engine: EngineName,
  backend: Backend['kind'],
  request: OracleRequest,
  reason?: BlockReason,
): KnownDivergence | null {
  return (
    KNOWN_DIVERGENCES.find(
      (d) => d.engine === engine && d.backends.includes(backend) && d.applies(request, reason),
    ) ?? null
  );
}

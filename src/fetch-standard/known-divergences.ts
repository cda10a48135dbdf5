import type { Backend, EngineName } from '../engines/session.ts';
import type { ExpectedOutcome } from '../outcome/outcome.ts';
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
  /** Whether it applies to this request, given what the standard expects of it (a block's reason, say). */
  applies(request: OracleRequest, expected: ExpectedOutcome): boolean;
  behaviour: ExpectedOutcome;
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
      applies: (_request, expected) =>
        expected.verdict === 'blocked' && expected.reason === 'authorization-not-listed',
      behaviour: { verdict: 'allowed' },
    }),
  ),
];

export function knownDivergence(
  engine: EngineName,
  backend: Backend['kind'],
  request: OracleRequest,
  expected: ExpectedOutcome,
): KnownDivergence | null {
  return (
    KNOWN_DIVERGENCES.find(
      (d) => d.engine === engine && d.backends.includes(backend) && d.applies(request, expected),
    ) ?? null
  );
}

import { intentOf } from '../../src/flaws/flaws.ts';
import type { Target } from '../../src/run/target.ts';

/** A reference-like target whose expectations come from the records; every URL carries the token. */
export const fakeTarget: Target = {
  kind: 'reference',
  description: 'a fake target',
  name: 'fake',
  applies: () => true,
  usesRecords: true,
  url: (_s, token) => `https://api.example.test/x?cors-conformance=${token}`,
  credential: () => undefined,
  policy: () => null,
  originIntent: () => intentOf('*'),
  judgesFlaws: () => true,
};

/** An engine as the runner sees it: a name and a backend (nothing is launched). */
export const fakeEngine = {
  name: 'chromium' as const,
  backend: { kind: 'system-chromium' as const, engine: 'chromium' as const, executable: '/bin/false' },
};

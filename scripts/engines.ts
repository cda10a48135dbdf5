import { backendPreference, describeBackend, resolveBackend } from '../src/engines/backends.ts';
import { ENGINES } from '../src/engines/session.ts';

/** `npm run engines`: which backend drives each engine here. Exit 1 when one is unavailable. */
const preference = backendPreference(process.env.ENGINE_BACKEND);
let missing = 0;
for (const engine of ENGINES) {
  const backend = resolveBackend(engine, preference);
  if (backend.kind === 'unavailable') missing++;
  console.log(`${engine.padEnd(9)} ${describeBackend(backend)}`);
}
process.exit(missing > 0 ? 1 : 0);

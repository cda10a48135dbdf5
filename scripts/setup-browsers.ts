import { backendPreference } from '../src/engines/backends.ts';
import { setup } from '../src/engines/setup.ts';

/**
 * `npm run setup`: makes every engine usable (src/engines/setup.ts). `-- --acceptance` also installs what
 * this project's acceptance tests start (nginx, Flask-CORS).
 */
const ok = setup({
  preference: backendPreference(process.env.ENGINE_BACKEND),
  acceptance: process.argv.includes('--acceptance'),
});
process.exit(ok ? 0 : 1);

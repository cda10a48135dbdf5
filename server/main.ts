import { InputError } from '../src/input/data-file.ts';
import { serveReference } from './serve.ts';

/**
 * `npm run reference-server`: the reference triggers on 127.0.0.1:${PORT:-8080} and the test page on
 * 127.0.0.1:${PAGE_PORT:-8081}. REALM_CONFIG picks another realm file.
 */
try {
  await serveReference({
    port: Number(process.env.PORT ?? 8080),
    pagePort: Number(process.env.PAGE_PORT ?? 8081),
    realmFile: process.env.REALM_CONFIG || undefined,
  });
} catch (error) {
  if (error instanceof InputError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}

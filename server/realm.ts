import { fileURLToPath } from 'node:url';
import { readJsonFile } from '../lib/data-file.ts';
import { RealmConfig } from './realm-schema.ts';

/** The realm the suite runs against by default: it reproduces the seed's example trigger. */
export const REFERENCE_REALM_FILE = fileURLToPath(new URL('./realms/reference.json', import.meta.url));

/** Reads and validates a realm config file; bad input throws a InputError naming file and field. */
export function loadRealm(file: string = REFERENCE_REALM_FILE): RealmConfig {
  return readJsonFile(file, RealmConfig);
}

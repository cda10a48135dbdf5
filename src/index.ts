/**
 * The package's module (`import { Policy } from 'cors-conformance'`): the schemas of the files a run
 * reads, to write or check them in code. Runs go through the `cors-conformance` command (cli/main.ts).
 */
export { InputError, readJsonFile } from './input/data-file.ts';
export { TargetsFile } from './input/targets.ts';
export { Policy } from './policy/policy.ts';

#!/usr/bin/env node
import { main } from './main.ts';

/** The `cors-conformance` command (package.json `bin`); src/cli/main.ts says what it does. */
await main(process.argv);

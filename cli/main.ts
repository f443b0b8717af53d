#!/usr/bin/env node
/**
 * The `twinledger` executable: runs the command line with the real process and exits with its code.
 * `process.exitCode` rather than `process.exit()`, so output piped to another program is flushed first.
 */
import { ExitCode } from './io.js';
import { nodeIo } from './node-io.js';
import { run } from './run.js';

run(process.argv.slice(2), nodeIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`twinledger: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = ExitCode.internal;
  },
);

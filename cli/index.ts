/**
 * The command line as a library: `run` for embedding and tests, the exit codes and I/O surface it
 * uses, and the real I/O. The executable is `main.ts`.
 */
export { run, usage, type RunOptions } from './run.js';
export { ExitCode, type CliIo } from './io.js';
export { nodeIo } from './node-io.js';

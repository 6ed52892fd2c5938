#!/usr/bin/env node
import { runCli } from './run-cli.js';

/**
 * The `grafana-openai-monitoring` executable (package.json `bin` →
 * dist/cjs/cli/main.js). Sets `process.exitCode` rather than calling
 * `process.exit()`, so stdout is flushed when it is a pipe.
 */
runCli(process.argv.slice(2), process.env, {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`grafana-openai-monitoring: unexpected failure: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);

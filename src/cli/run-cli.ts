import { runCheck, type CliOutput } from './check-command.js';
import { CHECK_FLAGS } from './check-settings.js';
import { ArgumentError, parseArguments } from './parse-arguments.js';
import { MonitoringError } from '../monitoring-error.js';
import { VERSION } from '../version.js';

/**
 * The CLI without the process: argv and environment in, text out, exit code
 * back (0 ok, 1 a check failed, 2 bad usage or options). main.ts binds it to
 * the process.
 */

/**
 * The `--help` text. A flag added to CHECK_FLAGS (check-settings.ts) must be
 * described here; test/cli/main.test.ts checks that each one is.
 *
 * @example
 * console.log(usage());
 */
export function usage(): string {
  return `grafana-openai-monitoring ${VERSION}

Usage:
  grafana-openai-monitoring check [options]   push a test sample and log line, optionally read them back
  grafana-openai-monitoring demo              run a monitored workload against a local OpenAI-compatible server
  grafana-openai-monitoring help              show this text

check options (flags win over the environment):
  --metrics-url <url>        GRAFANA_METRICS_URL       Prometheus remote-write URL (Grafana Cloud: …/api/prom)
  --logs-url <url>           GRAFANA_LOGS_URL          Loki URL (Grafana Cloud: the bare host)
  --metrics-username <id>    GRAFANA_METRICS_USERNAME  Prometheus instance id
  --logs-username <id>       GRAFANA_LOGS_USERNAME     Loki instance id
  --access-token <token>     GRAFANA_ACCESS_TOKEN      access policy token (prefer the variable: flags show in ps and shell history)
  --headers <json>           GRAFANA_HEADERS           extra headers on pushes and reads, e.g. '{"X-Scope-OrgID":"tenant-1"}' (values hidden)
  --query-url <url>          read the sample back from this Prometheus API base (Grafana Cloud: …/api/prom; needs metrics:read)
  --logs-query-url <url>     read the line back from this Loki base URL (Grafana Cloud: the Loki host; needs logs:read)
  --timeout-ms <ms>          longest wait for one request (default 5000)
  --read-wait-ms <ms>        how long the read-back keeps looking for the data (default 20000)

Exit codes: 0 every step passed, 1 a push or read-back failed (demo: telemetry refused or dropped), 2 bad options.
The token is never printed.`;
}

/**
 * Runs one command line.
 *
 * @example
 * const code = await runCli(['check', '--metrics-url', url, '--logs-url', logsUrl], process.env, { out: console.log, err: console.error });
 * process.exitCode = code;
 */
export async function runCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, output: CliOutput): Promise<number> {
  try {
    const parsed = parseArguments(argv, CHECK_FLAGS.map((f) => f.flag));
    if (parsed.help || parsed.command === 'help') {
      output.out(usage());
      return 0;
    }
    if (parsed.command === 'check') return await runCheck(parsed.flags, env, output);
    if (parsed.command === 'demo') {
      if (parsed.flags.size > 0) throw new ArgumentError('demo takes no options; set GRAFANA_* variables to push the demo to your Grafana stack');
      // Loaded on demand: the demo needs the `openai` package, `check` does not.
      const { runDemo } = await import('../demo/run-demo.js');
      const { clean } = await runDemo(env).catch((error: unknown) => {
        // Options from GRAFANA_* that monitor() refuses: bad usage, not a crash.
        if (error instanceof MonitoringError && error.code === 'GOM_INVALID_OPTION') throw new ArgumentError(`demo: ${error.message} (from the GRAFANA_* variables)`);
        throw error;
      });
      // Non-zero when an endpoint refused or dropped telemetry: a script or CI step must not read it as success.
      return clean ? 0 : 1;
    }
    throw new ArgumentError(parsed.command === undefined ? 'a command is required' : `unknown command ${JSON.stringify(parsed.command)}`);
  } catch (error) {
    if (!(error instanceof ArgumentError)) throw error;
    output.err(`grafana-openai-monitoring: ${error.message}\nRun "grafana-openai-monitoring --help" for the options.`);
    return 2;
  }
}

import { HttpTransport } from '../export/http/http-transport.js';
import { newCheckId } from './check-probe.js';
import { resultsReport, settingsReport } from './check-report.js';
import { checkSettings } from './check-settings.js';
import { checkSecrets, pushCheckLine, pushCheckSample } from './push-probe.js';
import { readBackLine, readBackSample } from './read-back.js';
import { scrubSecrets, type StepResult } from './step-result.js';

/**
 * `grafana-openai-monitoring check`: proves a configuration before an app
 * depends on it. Pushes one sample and one line (in parallel), reads them back
 * when query URLs are given, prints what happened with a hint per failure.
 * Exit code: 0 when every step passed, 1 when one failed; bad options throw
 * ArgumentError (exit 2) before anything is sent.
 */

/** Where the CLI writes; the real process streams, or buffers in a test. */
export interface CliOutput {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

function skipped(signal: StepResult['signal']): StepResult {
  return { signal, step: 'read', outcome: 'skipped', detail: 'the push failed, nothing to read back' };
}

/**
 * Runs the check; resolves with the exit code.
 *
 * @example
 * const code = await runCheck(new Map([['metrics-url', url]]), process.env, { out: console.log, err: console.error });
 */
export async function runCheck(flags: ReadonlyMap<string, string>, env: Readonly<Record<string, string | undefined>>, output: CliOutput): Promise<number> {
  const settings = checkSettings(flags, env);
  const { resolved } = settings;
  const secrets = checkSecrets(resolved);
  // Every line goes through the scrubber: a URL or an answer could carry the token in some setup.
  const print = (lines: string[]): void => output.out(scrubSecrets(lines.join('\n'), secrets));
  const checkId = newCheckId();
  print([...settingsReport(settings, checkId), '']);

  const transport = new HttpTransport({ maxSockets: 2 });
  let pushes: StepResult[];
  try {
    pushes = await Promise.all([pushCheckSample(resolved, checkId, transport), pushCheckLine(resolved, checkId, transport)]);
  } finally {
    transport.close();
  }
  const [metricsPush, logsPush] = pushes;
  const reads: Promise<StepResult>[] = [];
  if (settings.metricsQueryUrl !== undefined) {
    reads.push(metricsPush.outcome === 'ok' ? readBackSample(resolved, settings.metricsQueryUrl, checkId, settings.readWaitMs, secrets) : Promise.resolve(skipped('metrics')));
  }
  if (settings.logsQueryUrl !== undefined) {
    reads.push(logsPush.outcome === 'ok' ? readBackLine(resolved, settings.logsQueryUrl, checkId, settings.readWaitMs, secrets) : Promise.resolve(skipped('logs')));
  }
  const results = [...pushes, ...(await Promise.all(reads))];
  print(resultsReport(results));
  return results.some((r) => r.outcome !== 'ok') ? 1 : 0;
}

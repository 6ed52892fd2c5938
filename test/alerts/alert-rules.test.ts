import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../support/paths.js';

/**
 * alerts/openai-alerts.yml as Prometheus itself reads it: `promtool check
 * rules` parses every rule and its PromQL, and `promtool test rules` runs the
 * unit tests of alerts/openai-alerts.test.yml (each alert firing on one input
 * and quiet on another). Debian's `prometheus` package ships promtool.
 */

const PROMTOOL_MISSING = 'promtool not installed: apt-get install prometheus (Debian ships promtool in it)';
const RULES = join('alerts', 'openai-alerts.yml');
const RULE_TESTS = join('alerts', 'openai-alerts.test.yml');

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** env `PROMTOOL_BIN`, else Debian's /usr/bin/promtool, else the first on PATH. */
function findPromtool(): string | undefined {
  const forced = process.env.PROMTOOL_BIN;
  if (forced !== undefined && forced !== '') return executable(forced) ? forced : undefined;
  const dirs = ['/usr/bin', ...(process.env.PATH ?? '').split(delimiter).filter(Boolean)];
  return dirs.map((dir) => join(dir, 'promtool')).find(executable);
}

function promtool(bin: string, ...args: string[]): { status: number | null; output: string } {
  const run = spawnSync(bin, args, { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  if (run.error) throw run.error;
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** One `- alert:` rule as written: the text up to the next rule or group. */
function alertBlocks(yaml: string): Map<string, string> {
  const blocks = new Map<string, string>();
  const parts = yaml.split(/^(?=\s*- (?:alert|record|name):)/m);
  for (const part of parts) {
    const name = /^\s*- alert:\s*(\S+)/.exec(part)?.[1];
    if (name) blocks.set(name, part);
  }
  return blocks;
}

/** Per alert name, whether the unit tests expect it firing at some eval_time, and quiet at another. */
function testedOutcomes(yaml: string): Map<string, { fires: boolean; quiet: boolean }> {
  const outcomes = new Map<string, { fires: boolean; quiet: boolean }>();
  for (const part of yaml.split(/^(?=\s*- eval_time:)/m).slice(1)) {
    const name = /alertname:\s*(\S+)/.exec(part)?.[1];
    if (!name) continue;
    const seen = outcomes.get(name) ?? { fires: false, quiet: false };
    if (/exp_alerts:\s*\[\]/.test(part)) seen.quiet = true;
    else if (/exp_alerts:\s*\n\s*- exp_labels:/.test(part)) seen.fires = true;
    outcomes.set(name, seen);
  }
  return outcomes;
}

const rulesText = readFileSync(join(repoRoot, RULES), 'utf8');
const testsText = readFileSync(join(repoRoot, RULE_TESTS), 'utf8');
const alerts = alertBlocks(rulesText);

describe('the Prometheus alerting rules (alerts/openai-alerts.yml)', () => {
  it('have an alert for spend, errors, latency, rate limits and the exporter, each with for, a severity and both annotations', () => {
    for (const needed of [/Spend/, /ErrorRate/, /Latency/, /RateLimit.*Headroom/, /MonitoringDropping/, /MonitoringPush/]) {
      assert.ok([...alerts.keys()].some((name) => needed.test(name)), `an alert matching ${needed} in ${[...alerts.keys()].join(', ')}`);
    }
    for (const [name, block] of alerts) {
      assert.match(block, /^\s+for:\s*\d+[smh]\s*$/m, `${name} has a for`);
      assert.match(block, /^\s+severity:\s*(critical|warning|info)\s*$/m, `${name} has a severity label`);
      assert.match(block, /^\s+summary:\s*"[^"]+"/m, `${name} has a summary`);
      assert.match(block, /^\s+description:\s*"[^"]+"/m, `${name} has a description`);
    }
  });

  it('have a unit test that fires each alert and one where it stays quiet', () => {
    const outcomes = testedOutcomes(testsText);
    for (const name of alerts.keys()) {
      assert.deepEqual(outcomes.get(name), { fires: true, quiet: true }, `${name} in ${RULE_TESTS}`);
    }
  });

  const bin = findPromtool();
  const missing = !bin && process.env.CI !== 'true' ? PROMTOOL_MISSING : false;

  it('parse in promtool check rules, every rule of the file', { skip: missing }, () => {
    assert.ok(bin, `${PROMTOOL_MISSING} (CI=true: .ci/run must install it)`);
    const { status, output } = promtool(bin, 'check', 'rules', RULES);
    assert.equal(status, 0, output);
    const written = (rulesText.match(/^\s*- (alert|record):/gm) ?? []).length;
    assert.match(output, new RegExp(`SUCCESS: ${written} rules found`), output);
  });

  it('pass their promtool unit tests', { skip: missing }, () => {
    assert.ok(bin, `${PROMTOOL_MISSING} (CI=true: .ci/run must install it)`);
    const { status, output } = promtool(bin, 'test', 'rules', RULE_TESTS);
    assert.equal(status, 0, output);
    assert.match(output, /SUCCESS/, output);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHECK_FLAGS } from '../../src/cli/check-settings';
import { runCli } from './cli-process';

describe('the grafana-openai-monitoring executable', () => {
  it('prints every command and every check flag for --help and help, and exits 0', async () => {
    for (const args of [['--help'], ['help'], ['check', '-h']]) {
      const run = await runCli(args);
      assert.equal(run.code, 0, run.stderr);
      for (const command of ['check', 'demo', 'help']) assert.match(run.stdout, new RegExp(`grafana-openai-monitoring ${command}`));
      for (const { flag } of CHECK_FLAGS) assert.ok(run.stdout.includes(`--${flag} `), `--${flag} is not described`);
    }
  });

  it('exits 2 without a command or with an unknown one', async () => {
    const [none, unknown] = await Promise.all([runCli([]), runCli(['chek'])]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /a command is required/);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "chek"/);
  });

  it('runs the demo against the testing receivers: calls arrive and every request follows the wire rules', async () => {
    const run = await runCli(['demo']);
    assert.equal(run.code, 0, run.stderr);
    const arrived = /Prometheus received (\d+) samples in (\d+) remote-write request\(s\); Loki received (\d+) lines/.exec(run.stdout);
    assert.ok(arrived, run.stdout);
    assert.ok(Number(arrived[1]) > 0);
    // The demo makes 42 calls (36 chat, 6 completions); each gives one Loki line.
    assert.equal(Number(arrived[3]), 42);
    assert.match(run.stdout, /Every request followed the wire rules/);
    assert.match(run.stdout, /gpt-4o-mini-2024-07-18/);
  });
});

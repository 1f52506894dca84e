// `shipline diagram` says what it draws: the state's record of what exists, or the config's plan.
// A plan drawn as if it existed would mislead: the message (stderr) and the title (in the diagram)
// say which, and why.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { plannedNotice } from '../src/commands/diagram';
import { harness, type Harness } from './helpers/harness';

let h: Harness;
afterEach(() => h?.restore());

const PLAN_TITLE = 'shipline stack demo (eu-west-3), the plan from the config, not what exists';
const messages = (logs: Array<Record<string, unknown>>) => logs.map((l) => l.msg);

describe('diagram, honest about its source', () => {
  it('with no state: says on stderr that it draws the plan from the config, and titles the diagram so', async () => {
    h = harness();
    const result = await h.ok('diagram');
    expect(messages(result.logs)).toContain(`diagram of stack demo: the plan from the config ${h.configPath}, not what exists (no state in ${h.statePath})`);
    expect(result.stdout.split('\n').slice(0, 3)).toEqual(['---', `title: ${PLAN_TITLE}`, '---']);
    // Mermaid reads the front matter as YAML: the title must come back whole.
    expect(parse(result.stdout.split('---\n')[1]!)).toEqual({ title: PLAN_TITLE });
    const dot = (await h.ok('diagram', '--format', 'dot')).stdout;
    expect(dot.split('\n')[0]).toBe(`// ${PLAN_TITLE}`);
    expect(dot).toContain(`graph [label="${PLAN_TITLE}", labelloc=t`);
  });

  it('with --planned on a provisioned stack: the plan again, because it was asked for', async () => {
    h = harness();
    await h.ok('provision');
    const result = await h.ok('diagram', '--planned');
    expect(messages(result.logs)).toContain(`diagram of stack demo: the plan from the config ${h.configPath}, not what exists (--planned)`);
    expect(result.stdout).toContain(`title: ${PLAN_TITLE}\n`);
  });

  it('with a state and no --planned: what the state records, and no word of a plan', async () => {
    h = harness();
    await h.ok('provision');
    const result = await h.ok('diagram');
    expect(result.stdout).toContain('title: shipline stack demo (eu-west-3), as it stands\n');
    expect(result.stderr).not.toContain('the plan from the config');
  });

  it('with no state but a sandbox stack of that name: says --sandbox draws it', () => {
    const cwd = process.cwd();
    const dir = mkdtempSync(path.join(tmpdir(), 'shipline-diagram-'));
    try {
      process.chdir(dir);
      const options = { config: 'shipline.json', planned: false, sandbox: false };
      expect(plannedNotice('demo', options, '.shipline/demo.json')).toBe('diagram of stack demo: the plan from the config shipline.json, not what exists (no state in .shipline/demo.json)');
      mkdirSync(path.join('.shipline', 'sandbox'), { recursive: true });
      writeFileSync(path.join('.shipline', 'sandbox', 'demo.json'), '{}');
      expect(plannedNotice('demo', options, '.shipline/demo.json')).toBe(
        'diagram of stack demo: the plan from the config shipline.json, not what exists (no state in .shipline/demo.json); `--sandbox` draws the sandbox stack',
      );
      // Asked for the plan, or already on the sandbox: no hint.
      expect(plannedNotice('demo', { ...options, planned: true })).toBe('diagram of stack demo: the plan from the config shipline.json, not what exists (--planned)');
      expect(plannedNotice('demo', { ...options, sandbox: true }, '.shipline/sandbox/demo.json')).not.toContain('--sandbox` draws');
    } finally {
      process.chdir(cwd);
    }
  });
});

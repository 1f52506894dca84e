// Hints repeat the flags the user gave, so the command they suggest can be pasted as it is.
import { givenFlags, withGivenFlags } from '../src/given-flags';
import { harness, type Harness } from './helpers/harness';

describe('givenFlags', () => {
  it('keeps the flags that choose the stack, with their values, in order', () => {
    expect(givenFlags(['provision', '--sandbox', '-c', 'other.yml', '--log-level', 'debug', '--state', 'my state.json'])).toBe("--sandbox -c other.yml --state 'my state.json'");
    expect(givenFlags(['plan', '--config=x.json'])).toBe('--config=x.json');
    expect(givenFlags(['plan', '-c', 'a.json', '--config', 'b.json'])).toBe('--config b.json'); // the last wins, as for the CLI
    expect(givenFlags(['provision'])).toBe('');
  });
});

describe('withGivenFlags', () => {
  it('adds them to each shipline command a hint quotes', () => {
    expect(withGivenFlags('clear it with `shipline state unlock --force`, or re-run', '--sandbox -c a.yml')).toBe('clear it with `shipline state unlock --force --sandbox -c a.yml`, or re-run');
  });

  it('leaves a command that already names them, and text with no command', () => {
    expect(withGivenFlags('`shipline permissions --config FILE` prints it', '-c a.yml')).toBe('`shipline permissions --config FILE` prints it');
    expect(withGivenFlags('`shipline provision --sandbox` first', '--sandbox')).toBe('`shipline provision --sandbox` first');
    expect(withGivenFlags('nothing to run here', '--sandbox')).toBe('nothing to run here');
  });
});

describe('a hint on the command line', () => {
  let h: Harness;
  afterEach(() => h?.restore());

  it('repeats --config as given', async () => {
    h = harness();
    await h.ok('provision');
    const result = await h.run('state', 'forget', 'no.such-record', '-c', h.configPath);
    expect(result.code).not.toBe(0);
    // The harness adds its own --config and --state after ours: the last given wins, once each.
    expect(result.stderr).toContain(`\`shipline state show --config ${h.configPath} --state ${h.statePath}\``);
  });
});

describe('withGivenFlags, for commands that read only the config', () => {
  it('adds the config flag alone', () => {
    expect(withGivenFlags('run `shipline permissions`', '--sandbox -c a.yml --state s.json')).toBe('run `shipline permissions -c a.yml`');
    expect(withGivenFlags('`shipline permissions --config FILE` prints it', '--sandbox --config a.yml --state s.json')).toBe('`shipline permissions --config FILE` prints it');
  });
});

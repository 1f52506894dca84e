// Hints that can be pasted as they are: a command a hint suggests (`shipline state unlock`) gets
// the flags that choose the stack's world, as the user gave them to this run (--sandbox, -c FILE,
// --state PATH), unless it names them already.
import { CONFIG_FILE_NAMES } from './config-file';

/** The world-choosing flags of `argv`, in order, as one string ('' when none). */
export function givenFlags(argv: readonly string[]): string {
  // One of each (the last given wins, as for the CLI itself), in the order first given.
  const given = new Map<'sandbox' | 'config' | 'state', string>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (arg === '--sandbox') given.set('sandbox', arg);
    else if ((arg === '-c' || arg === '--config' || arg === '--state') && argv[i + 1] !== undefined) given.set(arg === '--state' ? 'state' : 'config', `${arg} ${quoted(argv[(i += 1)]!)}`);
    else if (/^(--config|--state)=/.test(arg)) given.set(arg.startsWith('--state') ? 'state' : 'config', arg.replace(/=(.*)$/, (_m, v: string) => `=${quoted(v)}`));
  }
  return [...given.values()].join(' ');
}

/**
 * The same flags, from a run's parsed options (where argv is not at hand): --sandbox, -c FILE
 * unless it is a config the current directory gives anyway, --state PATH.
 */
export function flagsOf(options: { config: string; sandbox?: boolean; state?: string | undefined }): string {
  return [
    ...(options.sandbox ? ['--sandbox'] : []),
    ...((CONFIG_FILE_NAMES as readonly string[]).includes(options.config) ? [] : ['-c', quoted(options.config)]),
    ...(options.state ? ['--state', quoted(options.state)] : []),
  ].join(' ');
}

/** Each `shipline …` command quoted in `text`, with the given flags it does not already carry. */
export function withGivenFlags(text: string, flags: string): string {
  if (!flags) return text;
  return text.replace(/`shipline ([^`]*)`/g, (_whole, command: string) => {
    const words = command.split(/\s+/);
    // These read the config file only: no state, no AWS (simulated or not).
    const onlyConfig = ['permissions', 'init', 'init-app'].includes(words[0] ?? '');
    const parts = onlyConfig ? configFlagOf(flags) : flags.split(' ');
    const extra: string[] = [];
    for (let i = 0; i < parts.length; i += 1) {
      const flag = parts[i]!;
      const name = flag.replace(/=.*$/, '');
      const takesValue = flag === '-c' || flag === '--config' || flag === '--state';
      const value = takesValue ? parts[(i += 1)] : undefined;
      const already = name === '-c' || name === '--config' ? words.includes('-c') || words.includes('--config') || words.some((w) => w.startsWith('--config=')) : words.includes(name) || words.some((w) => w.startsWith(`${name}=`));
      if (!already) extra.push(value === undefined ? flag : `${flag} ${value}`);
    }
    return `\`shipline ${[command, ...extra].join(' ')}\``;
  });
}

/** The config flag (and its value) among `flags`, as a list of words. */
function configFlagOf(flags: string): string[] {
  const match = /(?:^| )((?:-c|--config) \S+|--config=\S+)/.exec(flags);
  return match ? match[1]!.split(' ') : [];
}

function quoted(value: string): string {
  return /^[\w./:@%+=-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

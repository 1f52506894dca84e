#!/usr/bin/env node
// The `shipline` command line. Only commander and the error classes load up front: each command
// requires its module (and through it the AWS SDK) when it runs, so `--help` stays fast.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { asLocalIoError, EXIT, ShiplineError, StepsFailedError, type ExitCode } from './errors';
import type { GlobalOptions, Io, Overrides } from './session';
import type { DiagramOptions } from './commands/diagram';
import { interruptedExit } from './signals';

const LOG_FORMATS = ['pretty', 'json'];
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'];

/** The options every command accepts (scripts pass the same ones to each); help shows a command's own. */
type GlobalFlag = 'config' | 'state' | 'sandbox' | 'yes' | 'log' | 'force-unlock' | 'concurrency' | 'no-wait';
const WORLD: GlobalFlag[] = ['config', 'state', 'sandbox'];

const EXIT_CODES = `Exit codes:
  0    done
  1    failed
  2    bad usage or config (plan --detailed-exitcode: changes pending; any error is then 1)
  129  SIGHUP, 130 Ctrl-C, 143 SIGTERM: stopped cleanly, state saved, lock released`;

function withGlobalOptions(command: Command, shown: readonly GlobalFlag[], example: string): Command {
  const option = (flag: GlobalFlag, made: Option): Option => (shown.includes(flag) ? made : made.hideHelp());
  return command
    .addOption(option('config', new Option('-c, --config <path>', 'config file (default: shipline.json, shipline.yml or shipline.yaml, whichever is in the current directory)')))
    .addOption(option('state', new Option('--state <path>', 'local state file (default .shipline/<stack>.json); with an S3 backend, the file state migrate moves from or to')))
    .addOption(option('sandbox', new Option('--sandbox', 'run against the built-in simulated AWS (no account needed)').default(false)))
    .addOption(option('yes', new Option('-y, --yes', 'do not ask for confirmation').default(false)))
    .addOption(option('log', new Option('--log-format <format>', 'pretty on a terminal, json otherwise').choices(LOG_FORMATS)))
    .addOption(option('log', new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info')))
    .addOption(option('force-unlock', new Option('--force-unlock', 'remove a lock whose holder cannot be proven dead (another host, the S3 backend); a dead run on this host is taken over without it').default(false)))
    .addOption(option('concurrency', new Option('--concurrency <n>', 'steps run at once').argParser(positiveInt).default(8)))
    .addOption(option('no-wait', new Option('--no-wait', 'do not wait for services to become stable')))
    .addHelpText('after', `\nExample:\n  ${example}\n\n${EXIT_CODES}\n`);
}

/** `--since`: 30s, 10m, 2h, 1d, in milliseconds. */
function sinceMs(value: string): number {
  const { parseSince } = require('./commands/log-lines') as typeof import('./commands/log-lines');
  const ms = parseSince(value);
  if (ms === undefined) throw new InvalidArgumentError('expected a number and one unit: 30s, 10m, 2h or 1d.');
  return ms;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer.');
  return n;
}

/** --config, or the one config file of the current directory. */
function configPath(given: unknown): string {
  if (typeof given === 'string') return given;
  const { discoverConfigFile } = require('./config-file') as typeof import('./config-file');
  return discoverConfigFile();
}

function globalOptions(raw: Record<string, unknown>): GlobalOptions {
  return {
    config: configPath(raw.config),
    ...(typeof raw.state === 'string' ? { state: raw.state } : {}),
    sandbox: raw.sandbox === true,
    yes: raw.yes === true,
    ...(typeof raw.logFormat === 'string' ? { logFormat: raw.logFormat as GlobalOptions['logFormat'] } : {}),
    logLevel: raw.logLevel as GlobalOptions['logLevel'],
    forceUnlock: raw.forceUnlock === true,
    concurrency: raw.concurrency as number,
    wait: raw.wait !== false,
    keepConnection: raw.keepConnection === true,
  };
}

export function buildProgram(io: Io, overrides: Overrides, setExit: (code: ExitCode) => void): Command {
  const program = new Command('shipline')
    .description('Provision a container delivery setup on AWS: network, NAT, load balancer, ECS, ECR and a dev → approval → prod pipeline.')
    .version((require('./version') as typeof import('./version')).packageVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)');

  const ENGINE_FLAGS: Record<'provision' | 'plan' | 'destroy', GlobalFlag[]> = {
    provision: [...WORLD, 'log', 'force-unlock', 'concurrency', 'no-wait'],
    plan: [...WORLD, 'log', 'concurrency'],
    destroy: [...WORLD, 'yes', 'log', 'force-unlock', 'concurrency'],
  };
  const ENGINE_EXAMPLES = {
    provision: 'shipline provision --sandbox    (the simulated AWS: no account needed)',
    plan: 'shipline plan --detailed-exitcode --json > plan.json',
    destroy: 'shipline destroy --yes -c shipline.yml',
  };
  const PIPELINE_EXAMPLES = {
    status: 'shipline status --json',
    approve: 'shipline approve --comment "looks good on /dev"',
    reject: 'shipline reject --comment "the login page is broken"',
    release: 'shipline release && shipline status',
  };
  const engineCommand = (name: 'provision' | 'plan' | 'destroy', description: string) =>
    withGlobalOptions(program.command(name).description(description), ENGINE_FLAGS[name], ENGINE_EXAMPLES[name]).action(async (raw: Record<string, unknown>) => {
      const { runCommand } = require('./commands/run') as typeof import('./commands/run');
      const summary = await runCommand(name, { ...globalOptions(raw), json: raw.json === true }, io, overrides);
      if (raw.detailedExitcode === true) {
        const { detailedExitCode } = require('./plan-json') as typeof import('./plan-json');
        setExit(detailedExitCode(summary));
      } else setExit(EXIT.ok);
    });

  engineCommand('provision', 'create or update everything the config describes; a second run changes nothing');
  engineCommand('plan', 'show what provision would create, change or delete, and change nothing')
    .option('--json', 'print the plan as a JSON document on stdout (format in the README); logs stay on stderr', false)
    .option('--detailed-exitcode', 'exit 0 when nothing would change, 2 when something would, 1 on any error', false);
  engineCommand('destroy', 'delete everything shipline created for the stack, in reverse order, and nothing else').option(
    '--keep-connection',
    'keep the GitHub connection (a new one needs approving in a browser again)',
    false,
  );

  withGlobalOptions(program.command('outputs').description('print what the stack made (IDs, URLs) from the state file'), WORLD, 'shipline outputs --json | jq -r .url.prod')
    .option('--json', 'print JSON for scripts', false)
    .action(async (raw: Record<string, unknown>) => {
      const { showOutputs } = require('./commands/outputs') as typeof import('./commands/outputs');
      await showOutputs({ ...globalOptions(raw), json: raw.json === true }, io, overrides);
      setExit(EXIT.ok);
    });

  const pipelineCommand = (name: 'status' | 'approve' | 'reject' | 'release', description: string) =>
    withGlobalOptions(program.command(name).description(description), [...WORLD, 'log'], PIPELINE_EXAMPLES[name]).action(async (raw: Record<string, unknown>) => {
      const { runPipelineCommand } = require('./commands/pipeline') as typeof import('./commands/pipeline');
      const extra = { json: raw.json === true, ...(typeof raw.comment === 'string' ? { comment: raw.comment } : {}) };
      await runPipelineCommand(name, { ...globalOptions(raw), ...extra }, io, overrides);
      setExit(EXIT.ok);
    });

  pipelineCommand('status', 'the connection, each pipeline stage, a pending approval, each environment').option('--json', 'print JSON for scripts', false);
  pipelineCommand('approve', 'approve the deployment waiting for approval').option('--comment <text>', 'why');
  pipelineCommand('reject', 'reject the deployment waiting for approval').requiredOption('--comment <text>', 'why (required)');
  pipelineCommand('release', 'start a pipeline run from the latest commit');

  withGlobalOptions(
    program
      .command('logs')
      .description("print an environment's container log lines (each prefixed with its task) or the latest build's, in time order")
      .argument('<target>', 'an environment of the config (dev, prod …), or build for the latest build'),
    [...WORLD, 'log'],
    'shipline logs dev --since 1h --follow',
  )
    .addOption(new Option('--since <duration>', 'how far back to start: 30s, 10m, 2h, 1d').argParser(sinceMs).default(10 * 60_000, '10m'))
    .option('-f, --follow', 'keep printing new lines until Ctrl-C (reads every 5 seconds)', false)
    .action(async (target: string, raw: Record<string, unknown>) => {
      const { showLogs } = require('./commands/logs') as typeof import('./commands/logs');
      const outcome = await showLogs({ ...globalOptions(raw), target, sinceMs: raw.since as number, follow: raw.follow === true }, io, overrides);
      // Ctrl-C is how a follow ends: a clean stop, with the code of the signal (130 for Ctrl-C).
      setExit(outcome === 'stopped' ? interruptedExit(overrides.signal) : EXIT.ok);
    });

  withGlobalOptions(
    program
      .command('exec')
      .description("open a shell (or run COMMAND) in a running task of an environment through ECS Exec and the Session Manager plugin")
      .argument('<environment>', 'an environment of the config (dev, prod …)')
      .argument('[command...]', 'the command to run, after -- (default /bin/sh)'),
    [...WORLD, 'log'],
    'shipline exec dev -- ls /usr/share/nginx/html',
  ).action(async (environment: string, command: string[], raw: Record<string, unknown>) => {
    const { execInTask } = require('./commands/exec') as typeof import('./commands/exec');
    const code = await execInTask({ ...globalOptions(raw), environment, command }, io, overrides);
    setExit(code === 0 ? EXIT.ok : EXIT.failed);
  });

  const sandbox = program.command('sandbox').description('do by hand, on the simulated AWS of --sandbox, what a person does in the AWS console');
  withGlobalOptions(
    sandbox.command('approve-connection').description("approve the stack's pending GitHub connection, as the console's \"Update pending connection\" does"),
    ['config', 'state'],
    'shipline sandbox approve-connection && shipline release --sandbox',
  ).action(async (raw: Record<string, unknown>) => {
    const { approveSandboxConnection } = require('./commands/sandbox') as typeof import('./commands/sandbox');
    await approveSandboxConnection(globalOptions(raw), io, overrides);
    setExit(EXIT.ok);
  });

  const state = program.command('state').description("show, move or unlock the stack's state (a local file, or an S3 object)");
  withGlobalOptions(state.command('show').description('print the state as stored, with where it is and who holds the lock'), WORLD, 'shipline state show --sandbox').action(
    async (raw: Record<string, unknown>) => {
      const { showState } = require('./commands/state') as typeof import('./commands/state');
      await showState(globalOptions(raw), io, overrides);
      setExit(EXIT.ok);
    },
  );
  withGlobalOptions(state.command('migrate').description("move the state between the local file and the S3 object named in the config's state.backend"), [...WORLD, 'yes', 'log'], 'shipline state migrate --to s3')
    .addOption(new Option('--to <backend>', 'where the state goes').choices(['s3', 'local']).makeOptionMandatory())
    .action(async (raw: Record<string, unknown>) => {
      const { migrateState } = require('./commands/state') as typeof import('./commands/state');
      await migrateState(raw.to as 's3' | 'local', globalOptions(raw), io, overrides);
      setExit(EXIT.ok);
    });
  withGlobalOptions(state.command('unlock').description("show the stack's lock; with --force, remove a dead run's lock after confirmation"), WORLD, 'shipline state unlock --force')
    .option('--force', 'remove the lock (asks first; --yes does not)', false)
    .action(async (raw: Record<string, unknown>) => {
      const { unlockState } = require('./commands/state') as typeof import('./commands/state');
      await unlockState({ ...globalOptions(raw), force: raw.force === true }, io, overrides);
      setExit(EXIT.ok);
    });

  withGlobalOptions(state.command('forget').description('drop one record from the state (a record that names what is not the stack\'s); AWS is not touched'), [...WORLD, 'log'], 'shipline state forget network.subnet.private-a')
    .argument('<key>', 'the record\'s key, e.g. network.subnet.private-a (state show lists them)')
    .action(async (key: string, raw: Record<string, unknown>) => {
      const { forgetRecord } = require('./commands/state') as typeof import('./commands/state');
      await forgetRecord(key, globalOptions(raw), io, overrides);
      setExit(EXIT.ok);
    });

  withGlobalOptions(program.command('diagram').description('draw the stack (VPC, subnets, NAT, ALB routes, services, repository, pipeline) as Mermaid, Graphviz dot or an SVG picture'), WORLD, 'shipline diagram --format svg -o stack.svg')
    .addOption(new Option('--format <format>', 'diagram language (svg: the picture itself, drawn by Graphviz)').choices(['mermaid', 'dot', 'svg']).default('mermaid'))
    .option('--planned', 'draw what the config describes (IDs where the state knows them), not what the state holds', false)
    .option('-o, --output <file>', 'write the diagram to a file instead of stdout')
    .action(async (raw: Record<string, unknown>) => {
      const { drawDiagram } = require('./commands/diagram') as typeof import('./commands/diagram');
      const extra = { format: raw.format as DiagramOptions['format'], planned: raw.planned === true, ...(typeof raw.output === 'string' ? { output: raw.output } : {}) };
      await drawDiagram({ ...globalOptions(raw), ...extra }, io, overrides);
      setExit(EXIT.ok);
    });

  // The global options are accepted (scripts pass them to every command); only --config is read.
  withGlobalOptions(program.command('permissions').description('print, as JSON, the IAM policy the config needs (its strategy, NAT mode and state backend); --all: for every choice'), ['config'], 'shipline permissions > shipline-policy.json')
    .option('--all', 'the policy for every deploy strategy, NAT mode and state backend (reads no config)', false)
    .action(async (raw: Record<string, unknown>) => {
      const { printPermissions } = require('./commands/permissions') as typeof import('./commands/permissions');
      const all = raw.all === true;
      await printPermissions({ config: all ? String(raw.config ?? '') : configPath(raw.config), all }, io);
      setExit(EXIT.ok);
    });

  program
    .command('init')
    .description('write a commented shipline.yml for the current directory (asks on a terminal; flags otherwise)')
    .option('--stack <name>', 'the stack name (names and tags every resource)')
    .option('--region <region>', 'the AWS region, e.g. eu-west-3')
    .option('--repository <owner/name>', 'the GitHub repository the pipeline builds')
    .option('--branch <branch>', 'the branch it builds (default main)')
    .addHelpText('after', '\nExample:\n  shipline init --stack demo --region eu-west-3 --repository my-org/demo-app\n')
    .action(async (raw: Record<string, unknown>) => {
      const { init } = require('./commands/init') as typeof import('./commands/init');
      const text = (key: string) => (typeof raw[key] === 'string' ? { [key]: raw[key] as string } : {});
      await init({ dir: process.cwd(), ...text('stack'), ...text('region'), ...text('repository'), ...text('branch') }, io);
      setExit(EXIT.ok);
    });

  // The global options are accepted, as by every command (a script passes --sandbox to each); only --config is read.
  withGlobalOptions(
    program
      .command('init-app')
      .description('write into an application repository what the pipeline expects: buildspec.yml, and a Dockerfile and nginx.conf where missing')
      .argument('<dir>', 'the application repository'),
    ['config'],
    'shipline init-app ../my-app && cd ../my-app && git add buildspec.yml Dockerfile nginx.conf',
  )
    .option('--force', 'overwrite existing files', false)
    .action(async (dir: string, raw: Record<string, unknown>) => {
      const { initApp } = require('./commands/init-app') as typeof import('./commands/init-app');
      await initApp(dir, { config: configPath(raw.config), force: raw.force === true, sandbox: raw.sandbox === true }, io);
      setExit(EXIT.ok);
    });

  program
    .command('import-copilot')
    .description("write the shipline.yml that recreates an AWS Copilot workspace's Load Balanced Web Service, environments and pipeline, and list what it could not carry")
    .argument('<dir>', 'the Copilot workspace (the directory holding copilot/)')
    .option('--service <name>', 'the Load Balanced Web Service to import, when the workspace has several')
    .option('--region <region>', 'the AWS region, e.g. eu-west-3 (Copilot manifests do not hold it)')
    .option('--repository <owner/name>', 'the GitHub repository to build, when no pipeline manifest names one (or to replace it)')
    .option('--out <file>', 'where to write the config (default shipline.yml in the current directory)')
    .addHelpText('after', '\nExample:\n  shipline import-copilot ../my-app --service frontend --region eu-west-3\n')
    .action(async (dir: string, raw: Record<string, unknown>) => {
      const { importCopilotCommand } = require('./commands/import-copilot') as typeof import('./commands/import-copilot');
      const text = (key: string) => (typeof raw[key] === 'string' ? { [key]: raw[key] as string } : {});
      await importCopilotCommand({ dir, cwd: process.cwd(), ...text('service'), ...text('region'), ...text('repository'), ...text('out') }, io);
      setExit(EXIT.ok);
    });

  return program;
}

/** Run the CLI; resolves to the exit code. Expected failures print a message, never a stack trace. */
export async function main(argv: readonly string[], io: Io = processIo(), overrides: Overrides = {}): Promise<ExitCode> {
  let exit: ExitCode = EXIT.ok;
  const program = buildProgram(io, overrides, (code) => (exit = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exit;
  } catch (error) {
    // A run stopped by SIGTERM or SIGHUP exits as that signal's code, not Ctrl-C's.
    const code = ((c) => (c === EXIT.interrupted ? interruptedExit(overrides.signal) : c))(reportError(error, io, argv));
    // With --detailed-exitcode, 2 means "changes pending": every error, a bad config or flag too, is 1 (as in Terraform).
    return code === EXIT.usage && argv.includes('--detailed-exitcode') ? EXIT.failed : code;
  }
}

export function reportError(thrown: unknown, io: Io, argv: readonly string[] = []): ExitCode {
  // A file system call that failed on a path (EACCES, EROFS, ENOTDIR …) is the machine's, not a bug.
  const error = asLocalIoError(thrown) ?? thrown;
  if (error instanceof CommanderError) {
    // Help and version are "errors" to commander; they printed already.
    return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof ShiplineError) {
    const failures = error instanceof StepsFailedError ? error.failures.map((f) => f.error) : [error];
    io.stderr.write(`\nerror: ${error.message}\n`);
    const hints = new Set(failures.map((f) => (f instanceof ShiplineError ? f.hint : undefined)).filter(Boolean));
    const { givenFlags, withGivenFlags } = require('./given-flags') as typeof import('./given-flags');
    const flags = givenFlags(argv);
    for (const hint of hints) io.stderr.write(`hint: ${withGivenFlags(hint!, flags)}\n`);
    // A failure that is not shipline's own is a bug: show where it came from.
    for (const f of failures) if (!(f instanceof ShiplineError) && f instanceof Error && !asLocalIoError(f)) io.stderr.write(`\n${f.stack ?? f.message}\n(this looks like a bug in shipline)\n`);
    return error.exitCode;
  }
  io.stderr.write(`\nunexpected error (a bug in shipline): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT.failed;
}

function processIo(): Io {
  return {
    stdout: outliving(process.stdout),
    stderr: outliving(process.stderr),
    interactive: Boolean(process.stderr.isTTY && process.stdin.isTTY),
    prompt: (question) => {
      const { askOn } = require('./prompt') as typeof import('./prompt');
      return askOn(process.stdin, process.stderr, question);
    },
  };
}

/**
 * A closed stdout or stderr (`| head -1`, a pager quit early) must not end the run midway: output
 * to it is dropped from then on. Without a listener, the EPIPE 'error' event would kill the process
 * with the lock held and the state half-saved.
 */
function outliving(stream: NodeJS.WriteStream): NodeJS.WritableStream {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    // EIO: the terminal itself went away (SIGHUP).
    if (error.code !== 'EPIPE' && error.code !== 'EIO' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  });
  return stream;
}

if (require.main === module) {
  // The SDK versions shipline pins run on Node 20.19 and later; their releases from January 2027
  // need Node 22 (README, "Node versions"). Their nine-line notice on every command says only that.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { stopOnSignals } = require('./signals') as typeof import('./signals');
  const stop = stopOnSignals(process, (line) => process.stderr.write(line), (code) => process.exit(code));
  void main(process.argv.slice(2), processIo(), { signal: stop.signal }).then((code) => {
    stop.dispose();
    process.exitCode = code;
  });
}

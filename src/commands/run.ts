// provision, plan and destroy: the same session around the engine, in three modes.
import { STEPS } from '../../steps';
import { refuseVpcMove } from '../../steps/network';
import { runSteps, topologicalOrder, type RunSummary } from '../engine';
import { InterruptedError, RefusedError, UsageError } from '../errors';
import { summarize } from '../progress';
import { formatOutputs } from './outputs';
import { flagsOf, withGivenFlags } from '../given-flags';
import { readOnlyState, withSession, type GlobalOptions, type Io, type Opened, type Overrides } from '../session';
import { isKnown, type Output, type Step } from '../step';
import { stackTags } from '../tags';
import { resolveNsFrom } from '../net/public-dns';

export type Command = 'provision' | 'plan' | 'destroy';

export async function runCommand(
  command: Command,
  options: GlobalOptions,
  io: Io,
  overrides: Overrides = {},
  steps: readonly Step[] = STEPS,
): Promise<RunSummary> {
  const dryRun = command === 'plan';
  return withSession(command, options, io, overrides, { dryRun, lock: !dryRun }, async (opened) => {
    const signal = overrides.signal ?? new AbortController().signal;
    refuseVpcMove(opened); // before anything changes, whatever the command
    if (command === 'destroy') await confirmDestroy(opened, options, io, signal);
    const summary = await runSteps({
      steps,
      mode: command === 'destroy' ? 'destroy' : 'provision',
      concurrency: options.concurrency,
      log: opened.ui.log,
      progress: opened.ui.progress,
      context: {
        config: opened.config,
        aws: opened.aws.clients,
        state: dryRun ? readOnlyState(opened.state) : opened.state,
        tags: stackTags(opened.config.stack),
        signal,
        dryRun,
        waits: opened.aws.waits,
        wait: options.wait,
        keepConnection: options.keepConnection,
        accountId: opened.accountId,
        partition: opened.partition,
        // On the sandbox, the public DNS is the simulated world's (its Route 53 delegations).
        ...(opened.aws.sandbox ? { resolveNs: resolveNsFrom(opened.aws.sandbox.route53) } : {}),
      },
    });
    report(command, { ...opened, json: options.json === true }, summary, io, steps, options);
    refusals(summary);
    return summary;
  });
}

/** On a terminal, list what will go and ask for the stack's name; elsewhere only `--yes` will do. */
async function confirmDestroy(opened: Opened, options: GlobalOptions, io: Io, signal: AbortSignal): Promise<void> {
  if (options.yes) return;
  const stack = opened.config.stack;
  if (!io.interactive) {
    throw new UsageError(`destroy of stack ${stack} needs confirmation, and there is no terminal to ask on`, {
      hint: 'pass --yes to destroy without asking',
    });
  }
  const keys = opened.state.keys().filter((k) => isKnown(opened.state.get(k)?.id));
  const lines = keys.map((k) => `  - ${k}  ${opened.state.get(k)!.id}`);
  io.stderr.write(
    `This deletes stack ${stack} in account ${opened.accountId} (${opened.config.region}):\n` +
      (lines.length ? `${lines.join('\n')}\n` : '  (nothing recorded in the state file)\n') +
      `and anything else tagged ${'shipline:stack'}=${stack}. Nothing else is touched.\n`,
  );
  const answer = (await untilAborted(io.prompt(`Type the stack name (${stack}) to confirm: `), signal)).trim();
  if (answer !== stack) throw new UsageError(`destroy cancelled: "${answer}" is not "${stack}"`);
}

/** A run that left resources alone because the state named what is not the stack's exits 1, after it completed. */
function refusals(summary: RunSummary): void {
  const refused = summary.outcomes.filter((o) => o.outcome === 'refused');
  if (refused.length === 0) return;
  throw new RefusedError(
    `${refused.length} resource${refused.length === 1 ? '' : 's'} in the state ${refused.length === 1 ? 'is' : 'are'} not the stack's and ${refused.length === 1 ? 'was' : 'were'} left alone:\n` +
      refused.map((o) => `  - ${o.detail ?? `${o.resource} ${o.id}`}`).join('\n'),
    { hint: `if a record is wrong (a copied state, a bad restore), \`shipline state forget KEY\` drops it; then run the command again` },
  );
}

function report(command: Command, opened: Opened & { json: boolean }, summary: RunSummary, io: Io, steps: readonly Step[], options: GlobalOptions): void {
  const time = `${(summary.ms / 1000).toFixed(1)}s`;
  const what = summarize(summary, summary.dryRun);
  if (command === 'plan') {
    opened.ui.log.info({ counts: summary.counts }, `plan for ${opened.config.stack}: ${what}; nothing was changed`);
    if (opened.json) {
      const { formatPlanDocument, planDocument } = require('../plan-json') as typeof import('../plan-json');
      const where = { stack: opened.config.stack, region: opened.config.region, account: opened.accountId };
      io.stdout.write(formatPlanDocument(planDocument(summary, where, topologicalOrder(steps, 'provision'))));
    }
    return;
  }
  if (command === 'destroy' && summary.counts.deleted === 0 && opened.state.keys().length === 0) {
    const { stack, region } = opened.config;
    opened.ui.log.info(
      { counts: summary.counts, ms: summary.ms },
      `nothing to delete: neither the state (${opened.state.path}) nor a lookup by the tag shipline:stack=${stack} found anything of stack ${stack} in account ${opened.accountId}, ${region}`,
    );
    return;
  }
  opened.ui.log.info({ counts: summary.counts, ms: summary.ms }, `${command === 'destroy' ? 'destroyed' : 'provisioned'} ${opened.config.stack} in ${time}: ${what}`);
  if (command === 'provision') {
    const outputs = steps.flatMap((s) => s.outputs?.(opened.state, opened.config) ?? []);
    io.stdout.write(formatOutputs(outputs));
    // A run that made something is a first run, or a new piece: say what comes next.
    if (summary.counts.created > 0) io.stdout.write(nextSteps(opened, outputs, options));
  }
}

/** After a provision: from a stack to a first deployment. Commands carry the flags of this run. */
export function nextSteps(opened: Pick<Opened, 'config'>, outputs: readonly Output[], options: Pick<GlobalOptions, 'config' | 'sandbox' | 'state'>): string {
  const approval = outputs.find((o) => o.key === 'connectionApproval')?.value;
  const { repository, branch } = opened.config.source;
  const lines = [
    ...(approval
      ? [
          options.sandbox
            ? '`shipline sandbox approve-connection` approves the GitHub connection, as a person does once in the console on AWS'
            : `approve the GitHub connection once (AWS leaves it pending until a person does): ${approval}`,
        ]
      : []),
    '`shipline init-app ../your-app` writes buildspec.yml (and a Dockerfile where missing) into your application',
    `commit and push them to ${repository} (${branch}): every push starts the pipeline`,
    '`shipline release` starts it by hand; `shipline status` follows it, `shipline approve` lets it through to the next environment',
  ];
  const flags = flagsOf(options);
  return `\nnext:\n${lines.map((line, i) => `  ${i + 1}. ${withGivenFlags(line, flags)}\n`).join('')}`;
}

/** `promise`, or InterruptedError as soon as the run is told to stop (SIGTERM while a prompt waits). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new InterruptedError('stopped before the confirmation; nothing was changed'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new InterruptedError('stopped at the confirmation prompt; nothing was changed'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

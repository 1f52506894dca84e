// `shipline exec ENV [-- COMMAND]`: a shell (or COMMAND) in a running task of the environment,
// through ECS Exec. It finds a RUNNING task of the environment's service, asks ECS for a session
// (ExecuteCommand, interactive, container `web`) and hands it to the Session Manager plugin, as
// `aws ecs execute-command` does (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html).
// Whether a task can be reached is what AWS says of the task (DescribeTasks' enableExecuteCommand),
// not what the config says: a task started before exec was turned on has none.
import { DescribeTasksCommand, ExecuteCommandCommand, paginateListTasks, type Task } from '@aws-sdk/client-ecs';
import { KEYS as CLUSTER } from '../../steps/cluster';
import { CONTAINER_NAME } from '../../steps/services/names';
import { GONE } from '../aws/gone';
import { isAwsError } from '../aws/errors';
import type { Config } from '../config';
import { AwsCallError, messageOf, ShiplineError, UsageError } from '../errors';
import { settingsOf } from '../service-config';
import { withSession, type GlobalOptions, type Io, type Opened, type Overrides } from '../session';
import { NothingToDoError } from './pipeline';
import { ecsEndpoint, PLUGIN_INSTALL_URL, PLUGIN_NAME, pluginArgs, systemPlugin } from './session-manager';

export const DEFAULT_EXEC_COMMAND = '/bin/sh';

/** ECS Exec cannot reach the environment: no plugin, or no task it can reach. */
export class ExecError extends ShiplineError {
  readonly code = 'EXEC';
}

export interface ExecOptions extends GlobalOptions {
  environment: string;
  /** The command's words (after `--`); the default shell when empty. */
  command: readonly string[];
}

/** Runs the session; resolves to the plugin's exit code (0: the session ended normally). */
export async function execInTask(options: ExecOptions, io: Io, overrides: Overrides = {}): Promise<number> {
  return withSession('exec', options, io, overrides, { dryRun: false, lock: false }, async (opened) => {
    const { config } = opened;
    const env = requireExecOn(config, options.environment);
    const cluster = opened.state.get(CLUSTER.cluster)?.id;
    if (!cluster) throw new NothingToDoError(`stack ${config.stack} is not provisioned: the state has no cluster`, { hint: 'run `shipline provision` first' });
    const service = `${config.stack}-${env}`;
    const task = await runningTask(opened, cluster, service);
    if (!task.enableExecuteCommand) {
      throw new ExecError(`task ${task.taskArn ?? '?'} of ${service} was started without ECS Exec (DescribeTasks: enableExecuteCommand false)`, {
        hint: 'ECS Exec reaches only tasks started after it was turned on: run `shipline provision` (it sets enableExecuteCommand on the service), then start a new deployment (`shipline release`) so that new tasks replace this one',
      });
    }
    const plugin = overrides.sessionManager ?? systemPlugin;
    const pluginPath = plugin.find();
    if (!pluginPath) {
      throw new ExecError(`the Session Manager plugin (${PLUGIN_NAME}) is not installed: ECS Exec needs it to open the session`, {
        hint: `install it as ${PLUGIN_INSTALL_URL} says, check that \`${PLUGIN_NAME}\` runs, then run this command again`,
      });
    }
    const command = options.command.length > 0 ? commandLine(options.command) : DEFAULT_EXEC_COMMAND;
    const out = await opened.aws.clients.ecs.send(new ExecuteCommandCommand({ cluster, task: task.taskArn, container: CONTAINER_NAME, command, interactive: true })).catch((error: unknown) => {
      if (!isAwsError(error, 'TargetNotConnectedException')) throw error;
      const detail = error instanceof AwsCallError && error.cause instanceof Error ? error.cause.message : messageOf(error);
      throw new ExecError(`ecs:ExecuteCommand on task ${task.taskArn ?? '?'} of ${service}: TargetNotConnectedException — ${detail}`, {
        cause: error,
        hint:
          "the task's role must allow ssmmessages:CreateControlChannel, CreateDataChannel, OpenControlChannel and OpenDataChannel " +
          '(a provision with exec on grants them; tasks started before it need a new deployment); see ' +
          'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html',
      });
    });
    const runtimeId = task.containers?.find((c) => c.name === CONTAINER_NAME)?.runtimeId;
    if (!out.session || !runtimeId) throw new ExecError(`ECS returned no session for task ${task.taskArn ?? '?'} (or the task has no container ${CONTAINER_NAME})`);
    const taskId = (task.taskArn ?? '').slice((task.taskArn ?? '').lastIndexOf('/') + 1);
    io.stderr.write(`exec ${command} in task ${taskId} of ${service} (container ${CONTAINER_NAME})\n`);
    return plugin.run(
      pluginPath,
      pluginArgs({
        session: out.session,
        region: config.region,
        profile: config.aws.profile ?? process.env.AWS_PROFILE,
        cluster: cluster.slice(cluster.lastIndexOf('/') + 1),
        taskId,
        runtimeId,
        endpoint: ecsEndpoint(config.region, opened.partition, config.aws.endpoint),
      }),
    );
  });
}

/**
 * ExecuteCommand takes one string: the words after `--`, each one that a shell would split or
 * expand single-quoted (`sh -c 'echo $HOME'`), so that the container gets the words as typed.
 */
export function commandLine(words: readonly string[]): string {
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", "'\\''")}'`)).join(' ');
}

/** The environment, when the config turns ECS Exec on for it; else what turns it on (exit 2). */
function requireExecOn(config: Config, name: string): string {
  const index = config.environments.findIndex((e) => e.name === name);
  const env = config.environments[index];
  if (!env) throw new UsageError(`unknown environment "${name}": the config's environments are ${config.environments.map((e) => e.name).join(', ')}`);
  if (settingsOf(config, env).exec) return env.name;
  const where = env.exec === false ? `environments[${index}].exec is false` : 'services.exec is off (the default)';
  throw new UsageError(`ECS Exec is off for ${name}: ${where}`, {
    hint:
      `set "exec": true under services (every environment) or under environments[${index}] (${name} only), ` +
      'run `shipline provision`, then start a new deployment (`shipline release`): only tasks started after that can be reached',
  });
}

/** A RUNNING task of the service (one started with ECS Exec, when any is). */
async function runningTask(opened: Opened, cluster: string, service: string): Promise<Task> {
  const ecs = opened.aws.clients.ecs;
  try {
    for await (const page of paginateListTasks({ client: ecs }, { cluster, serviceName: service, desiredStatus: 'RUNNING' })) {
      const arns = page.taskArns ?? [];
      if (arns.length === 0) continue;
      const { tasks = [] } = await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }));
      const running = tasks.filter((t) => t.lastStatus === 'RUNNING');
      const chosen = running.find((t) => t.enableExecuteCommand) ?? running[0];
      if (chosen) return chosen;
    }
  } catch (error) {
    if (!isAwsError(error, ...GONE.ecs.service)) throw error;
    throw new NothingToDoError(`service ${service} does not exist`, { hint: 'run `shipline provision` first' });
  }
  throw new NothingToDoError(`no task of ${service} is running`, { hint: '`shipline status` shows how many run; wait for the service to start one' });
}

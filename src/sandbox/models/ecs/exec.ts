// ECS (simulated): ECS Exec, ExecuteCommand (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ExecuteCommand.html).
//
// - `interactive` must be true (the only mode AWS supports) and `command` given, else
//   InvalidParameterException. `task` is an ARN or a 32/36-character ID ("task length should be
//   one of [32,36]"); a task the cluster does not hold → InvalidParameterException "The referenced
//   task was not found.". `container` may be left out only when the task has one container.
// - A task started without exec (its service's enableExecuteCommand when it started; turning it
//   on later reaches only new tasks), or not RUNNING (its agent is not running) →
//   InvalidParameterException "The execute command failed because execute command was not enabled
//   when the task was run or the execute command agent isn't running. Wait and try again or run a
//   new task with execute command enabled and try again." (aws-cli's users quote it: ondacloud/AWS
//   ECS/ECS-EXEC/README.md).
// - A task role missing, or lacking the ssmmessages channel permissions (service-work.ts, ecsExec)
//   → TargetNotConnectedException "The execute command failed due to an internal error. Try again
//   later." (aws/aws-cli#6456, aws/amazon-ssm-agent#536; the ECS Exec guide's troubleshooting).
// - Otherwise a session: sessionId `ecs-execute-command-<hex>`, the ssmmessages streamUrl, a token.
import {
  TargetNotConnectedException,
  type ExecuteCommandCommandInput,
  type ExecuteCommandCommandOutput,
} from '@aws-sdk/client-ecs';
import { type Out } from '../../kernel/service';
import { checkServiceWork } from '../service-work';
import { invalidParameter } from './shared';
import { EcsDeploys } from './deploys';

const NOT_ENABLED =
  "The execute command failed because execute command was not enabled when the task was run or the execute command agent isn't running. Wait and try again or run a new task with execute command enabled and try again.";

export abstract class EcsExec extends EcsDeploys {
  executeCommand(input: ExecuteCommandCommandInput): Out<ExecuteCommandCommandOutput> {
    const cluster = this.activeCluster(input.cluster);
    if (!input.command) throw invalidParameter('Command cannot be empty.');
    if (input.interactive !== true) throw invalidParameter('Interactive is the only mode supported currently.');
    const ref = input.task ?? '';
    if (!ref.startsWith('arn:') && ref.length !== 32 && ref.length !== 36) throw invalidParameter('task length should be one of [32,36]');
    this.servicesIn(cluster).forEach((s) => this.settle(s));
    const arn = ref.startsWith('arn:') ? ref : this.world.arn('ecs', `task/${cluster.name}/${ref}`);
    const task = this.data.tasks[arn];
    if (!task || task.clusterArn !== cluster.arn) throw invalidParameter('The referenced task was not found.');
    const td = this.taskDefinitionRecord(task.taskDefinitionArn);
    const containers = td.containerDefinitions;
    const container = input.container === undefined ? (containers.length === 1 ? containers[0] : undefined) : containers.find((c) => c.name === input.container);
    if (!container) {
      throw invalidParameter(input.container === undefined ? 'The container name must be specified when the task has more than one container.' : `The container ${input.container} does not exist in the task.`);
    }
    if (!task.enableExecuteCommand || task.lastStatus !== 'RUNNING' || task.desiredStatus !== 'RUNNING') throw invalidParameter(NOT_ENABLED);
    const place = { account: this.world.account, region: this.world.region, partition: this.world.partition };
    if (!td.taskRoleArn || checkServiceWork(this.peers.iam, place, td.taskRoleArn, 'ecsExec', {})) {
      throw new TargetNotConnectedException({ message: 'The execute command failed due to an internal error. Try again later.', $metadata: {} });
    }
    const sessionId = `ecs-execute-command-${this.hexId(17)}`;
    const index = containers.indexOf(container);
    return {
      clusterArn: cluster.arn,
      taskArn: task.arn,
      containerArn: this.world.arn('ecs', `container/${cluster.name}/${task.id}/${this.uuidFor(task.id, index)}`),
      containerName: container.name,
      interactive: true,
      session: {
        sessionId,
        streamUrl: `wss://ssmmessages.${this.world.region}.amazonaws.com/v1/data-channel/${sessionId}?role=publish_subscribe&cell-number=AAEAAQ`,
        tokenValue: Buffer.from(`sandbox-session:${sessionId}`).toString('base64'),
      },
    };
  }

  /** A container's ID within its task: derived, so that each call names the same container. */
  private uuidFor(taskId: string, index: number): string {
    const h = `${taskId}${index.toString(16).padStart(8, '0')}`.slice(-32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
}

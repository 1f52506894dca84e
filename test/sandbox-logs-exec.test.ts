// The simulated CloudWatch Logs' FilterLogEvents, the log lines ECS tasks write as they start, and
// ECS Exec (ExecuteCommand), driven through the real SDK clients.
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  FilterLogEventsCommand,
  InvalidParameterException as LogsInvalidParameter,
  ResourceNotFoundException,
  paginateFilterLogEvents,
  type FilteredLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ExecuteCommandCommand,
  InvalidParameterException,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  TargetNotConnectedException,
  UpdateServiceCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { ACCOUNT, REGION, useSandbox } from './helpers/sandbox-fixture';
import { allowServiceWork, executionRole } from './helpers/service-roles';

const GROUP = '/shipline/demo/dev';
const env = useSandbox();
let ecs: ECSClient;
let logs: CloudWatchLogsClient;

beforeEach(() => {
  executionRole(env.sandbox);
  ecs = new ECSClient({ region: REGION });
  logs = new CloudWatchLogsClient({ region: REGION });
});

/** Cluster demo, the dev log group, and service demo-dev running `count` nginx tasks (task role: `taskRoleArn`). */
async function service(options: { count?: number; exec?: boolean; taskRoleArn?: string } = {}): Promise<void> {
  const ec2 = new EC2Client({ region: REGION });
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc?.VpcId;
  const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'eu-west-3a' }))).Subnet?.SubnetId ?? '';
  const group = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'svc', Description: 'service' }))).GroupId ?? '';
  await ecs.send(new CreateClusterCommand({ clusterName: 'demo' }));
  await logs.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
  const td = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'demo-dev',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/demo-exec`,
      ...(options.taskRoleArn ? { taskRoleArn: options.taskRoleArn } : {}),
      containerDefinitions: [
        {
          name: 'web',
          image: 'public.ecr.aws/nginx/nginx:stable',
          portMappings: [{ containerPort: 80 }],
          logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': GROUP, 'awslogs-region': REGION, 'awslogs-stream-prefix': 'web' } },
        },
      ],
    }),
  );
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'demo',
      serviceName: 'demo-dev',
      taskDefinition: td.taskDefinition?.taskDefinitionArn,
      desiredCount: options.count ?? 1,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: [subnet], securityGroups: [group] } },
      ...(options.exec ? { enableExecuteCommand: true } : {}),
    }),
  );
}

async function runningTasks(): Promise<Task[]> {
  const { taskArns = [] } = await ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: 'demo-dev' }));
  const { tasks = [] } = await ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: taskArns }));
  return tasks.filter((t) => t.lastStatus === 'RUNNING');
}

async function allEvents(input: { startTime?: number; logStreamNames?: string[] } = {}): Promise<FilteredLogEvent[]> {
  const events: FilteredLogEvent[] = [];
  for await (const page of paginateFilterLogEvents({ client: logs }, { logGroupName: GROUP, ...input })) events.push(...(page.events ?? []));
  return events;
}

const idOf = (task: Task) => task.taskArn!.slice(task.taskArn!.lastIndexOf('/') + 1);

describe('the log lines of a task', () => {
  it("land in its awslogs stream prefix/container/task-id when it starts, at its start time, nginx's for nginx", async () => {
    await service({ count: 2 });
    const tasks = await runningTasks();
    expect(tasks).toHaveLength(2);
    const events = await allEvents();
    for (const task of tasks) {
      const own = events.filter((e) => e.logStreamName === `web/web/${idOf(task)}`);
      expect(own.map((e) => e.message)).toContain('/docker-entrypoint.sh: Configuration complete; ready for start up');
      expect(own.some((e) => e.message?.includes('[notice] 1#1: start worker processes'))).toBe(true);
      expect(own[0]!.timestamp).toBe(new Date(task.startedAt!).getTime());
    }
    // Every stream's events, interleaved in time order, each with its own ID.
    const times = events.map((e) => e.timestamp!);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
  });

  it('are paged (5 a page here), filtered by time and stream, and the same IDs on every read', async () => {
    await service({ count: 1 });
    const [task] = await runningTasks();
    const first = await logs.send(new FilterLogEventsCommand({ logGroupName: GROUP }));
    expect(first.events).toHaveLength(5);
    expect(first.nextToken).toBeDefined();
    const all = await allEvents();
    expect(all.length).toBeGreaterThan(5);
    expect(all.slice(0, 5).map((e) => e.eventId)).toEqual(first.events!.map((e) => e.eventId));
    const last = all[all.length - 1]!;
    expect((await allEvents({ startTime: last.timestamp })).map((e) => e.eventId)).toEqual(all.filter((e) => e.timestamp! >= last.timestamp!).map((e) => e.eventId));
    await expect(allEvents({ logStreamNames: ['web/web/nope'] })).rejects.toThrow('The specified log stream does not exist.');
    expect((await allEvents({ logStreamNames: [`web/web/${idOf(task!)}`] })).length).toBe(all.length);
  });

  it('are refused as AWS refuses: a missing group, no group named, names and prefix, a bad limit or token', async () => {
    await service();
    await expect(logs.send(new FilterLogEventsCommand({ logGroupName: '/shipline/demo/nope' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(logs.send(new FilterLogEventsCommand({}))).rejects.toBeInstanceOf(LogsInvalidParameter);
    await expect(logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, logGroupIdentifier: GROUP }))).rejects.toBeInstanceOf(LogsInvalidParameter);
    await expect(logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, logStreamNames: ['a'], logStreamNamePrefix: 'a' }))).rejects.toBeInstanceOf(LogsInvalidParameter);
    await expect(logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, logStreamNames: [] }))).rejects.toBeInstanceOf(LogsInvalidParameter);
    await expect(logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, limit: 10_001 }))).rejects.toBeInstanceOf(LogsInvalidParameter);
    await expect(logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, nextToken: 'not-a-token' }))).rejects.toBeInstanceOf(LogsInvalidParameter);
  });
});

describe('ECS Exec', () => {
  const exec = (task: string, extra: { interactive?: boolean } = {}) =>
    ecs.send(new ExecuteCommandCommand({ cluster: 'demo', task, container: 'web', command: '/bin/sh', interactive: true, ...extra }));
  const NOT_ENABLED = /^The execute command failed because execute command was not enabled when the task was run or the execute command agent isn't running\./;

  it('is refused for a task started without it, and reaches only tasks started after the service turned it on', async () => {
    const role = allowServiceWork(env.sandbox, 'demo-task', 'ecs', ['ecsExec']);
    await service({ taskRoleArn: role });
    const [before] = await runningTasks();
    expect(before!.enableExecuteCommand).toBe(false);
    await expect(exec(before!.taskArn!)).rejects.toThrow(NOT_ENABLED);
    await expect(exec(before!.taskArn!)).rejects.toBeInstanceOf(InvalidParameterException);

    await ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'demo-dev', enableExecuteCommand: true }));
    const described = await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['demo-dev'] }));
    expect(described.services?.[0]?.enableExecuteCommand).toBe(true);
    await expect(exec(before!.taskArn!)).rejects.toThrow(NOT_ENABLED);

    await ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'demo-dev', forceNewDeployment: true }));
    await runningTasks();
    const [after] = await runningTasks();
    expect(after!.taskArn).not.toBe(before!.taskArn);
    expect(after!.enableExecuteCommand).toBe(true);
    expect(after!.containers?.[0]?.managedAgents?.[0]).toMatchObject({ name: 'ExecuteCommandAgent', lastStatus: 'RUNNING' });
    const out = await exec(idOf(after!));
    expect(out).toMatchObject({ taskArn: after!.taskArn, containerName: 'web', interactive: true });
    expect(out.session?.sessionId).toMatch(/^ecs-execute-command-[0-9a-f]+$/);
    expect(out.session?.streamUrl).toMatch(/^wss:\/\/ssmmessages\.eu-west-3\.amazonaws\.com\//);
    expect(out.session?.tokenValue).toBeTruthy();
  });

  it('needs a task role allowed the ssmmessages channels: TargetNotConnectedException otherwise', async () => {
    await service({ exec: true });
    const [task] = await runningTasks();
    await expect(exec(task!.taskArn!)).rejects.toBeInstanceOf(TargetNotConnectedException);
    await expect(exec(task!.taskArn!)).rejects.toThrow('The execute command failed due to an internal error. Try again later.');
  });

  it('takes interactive sessions only, a task ID of 32 or 36 characters, and a task the cluster runs', async () => {
    const role = allowServiceWork(env.sandbox, 'demo-task', 'ecs', ['ecsExec']);
    await service({ exec: true, taskRoleArn: role });
    const [task] = await runningTasks();
    await expect(exec(task!.taskArn!, { interactive: false })).rejects.toThrow('Interactive is the only mode supported currently.');
    await expect(exec('abc')).rejects.toThrow('task length should be one of [32,36]');
    await expect(exec('f'.repeat(32))).rejects.toThrow('The referenced task was not found.');
    await expect(exec(task!.taskArn!)).resolves.toMatchObject({ taskArn: task!.taskArn });
  });
});

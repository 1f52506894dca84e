// The delivery commands end to end on the sandbox: provision says what to do by hand, release,
// status, approve and reject drive the pipeline, and explain when there is nothing to act on.
import { readFileSync } from 'node:fs';
import { harness, type Harness } from './helpers/harness';

let h: Harness;
afterEach(() => h?.restore());

type State = { resources: Record<string, { id?: string }> };
const state = (x: Harness) => JSON.parse(readFileSync(x.statePath, 'utf8')) as State;

async function runningImage(x: Harness, env: string): Promise<string> {
  const { services } = (await x.sandbox.dispatch('ecs', 'DescribeServices', { cluster: 'demo', services: [`demo-${env}`] })) as {
    services: Array<{ taskDefinition: string }>;
  };
  const { taskDefinition } = (await x.sandbox.dispatch('ecs', 'DescribeTaskDefinition', { taskDefinition: services[0]!.taskDefinition })) as {
    taskDefinition: { containerDefinitions: Array<{ image: string }> };
  };
  return taskDefinition.containerDefinitions[0]!.image;
}

interface Status {
  connection: { status: string };
  approval?: { stage: string; action: string };
  pipeline: { stages: Array<{ name: string; status: string }> };
  environments: Array<{ name: string; running: number; desired: number; image: string; url: string }>;
}

describe('delivery', () => {
  it('provision ends with the connection to approve by hand and each URL', async () => {
    h = harness();
    const result = await h.ok('provision');
    expect(result.stdout).toContain('https://console.aws.amazon.com/codesuite/settings/connections?region=eu-west-3');
    expect(result.stdout).toMatch(/dev URL\s+http:\/\/\S+\/dev\//);
    expect(result.stdout).toMatch(/prod URL\s+http:\/\/\S+\//);
    expect(result.logs.some((l) => l.level === 40 && String(l.msg).includes('is PENDING'))).toBe(true);
  });

  it('release, status, approve: a commit reaches dev, waits for approval, then reaches prod', async () => {
    h = harness();
    await h.ok('provision');

    const pending = await h.run('release');
    expect(pending.code).toBe(1);
    expect(pending.stderr).toContain('is still PENDING');
    expect(pending.stderr).toContain('https://console.aws.amazon.com/codesuite/settings/connections?region=eu-west-3');
    const nothing = await h.run('approve');
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('is still PENDING');

    // The run AWS starts when the pipeline is created fails at Source while the connection is pending.
    const first = JSON.parse((await h.ok('status', '--json')).stdout) as Status;
    expect(first.connection.status).toBe('PENDING');
    expect(first.pipeline.stages[0]).toMatchObject({ name: 'Source', status: 'Failed' });

    h.sandbox.connections.approveConnection(state(h).resources['connection.github']!.id!);
    const released = await h.ok('release');
    expect(released.stdout).toMatch(/started pipeline demo-pipeline: run \S+/);

    const status = JSON.parse((await h.ok('status', '--json')).stdout) as Status;
    expect(status.connection.status).toBe('AVAILABLE');
    expect(status.approval).toMatchObject({ stage: 'Acceptance' });
    expect(status.pipeline.stages.map((s) => [s.name, s.status])).toEqual([
      ['Source', 'Succeeded'],
      ['Build', 'Succeeded'],
      ['Deploy', 'Succeeded'],
      ['Acceptance', 'InProgress'],
    ]);
    const built = await runningImage(h, 'dev');
    expect(built).toMatch(/^123456789012\.dkr\.ecr\.eu-west-3\.amazonaws\.com\/demo:\w+$/);
    expect(await runningImage(h, 'prod')).toBe('public.ecr.aws/nginx/nginx:stable');
    const text = (await h.ok('status')).stdout;
    expect(text).toContain('approval waiting   Acceptance/');
    expect(text).toContain('npm run approve');

    const approved = await h.ok('approve', '--comment', 'looks good');
    expect(approved.stdout).toContain('approved Acceptance/');
    const after = JSON.parse((await h.ok('status', '--json')).stdout) as Status;
    expect(after.approval).toBeUndefined();
    expect(await runningImage(h, 'prod')).toBe(built);
    expect(after.environments.find((e) => e.name === 'prod')).toMatchObject({ image: built, desired: 1 });

    const again = await h.run('approve');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('nothing to approve: pipeline demo-pipeline has no approval waiting');
    expect(again.stderr).toContain('npm run release');

    // The pipeline owns the images now: a provision changes nothing.
    const before = h.sandbox.mutatingCalls().length;
    await h.ok('provision');
    expect(h.sandbox.mutatingCalls().slice(before)).toEqual([]);
  });

  it('reject stops the run before prod, with the reason given', async () => {
    h = harness();
    await h.ok('provision');
    await h.ok('status'); // the run started with the pipeline fails at Source: the connection is pending
    h.sandbox.connections.approveConnection(state(h).resources['connection.github']!.id!);
    await h.ok('release');
    const noReason = await h.run('reject');
    expect(noReason.code).toBe(2); // --comment is required
    await h.ok('reject', '--comment', 'not today');
    const answer = h.sandbox.calls.find((c) => c.operation === 'PutApprovalResult')?.input as { result: { status: string; summary: string } };
    expect(answer.result).toEqual({ status: 'Rejected', summary: 'not today' });
    const status = JSON.parse((await h.ok('status', '--json')).stdout) as Status;
    expect(status.pipeline.stages.at(-1)).toMatchObject({ name: 'Acceptance', status: 'Failed' });
    expect(await runningImage(h, 'prod')).toBe('public.ecr.aws/nginx/nginx:stable');
  });

  it('a new IAM role that CodeBuild and CodePipeline refuse for a while: provision waits, then succeeds with one of each', async () => {
    h = harness();
    let refusals = 0;
    const notYet = (service: string, name: string) => () => {
      if (refusals >= 4) return;
      refusals += 1;
      throw Object.assign(new Error(`${service} is not authorized to perform: sts:AssumeRole on arn:aws:iam::123456789012:role/shipline/x`), {
        name,
        $metadata: { httpStatusCode: 400 },
      });
    };
    h.sandbox.faults.on('CreateProject', notYet('CodeBuild', 'InvalidInputException'));
    h.sandbox.faults.on('CreatePipeline', notYet('CodePipeline', 'InvalidStructureException'));
    await h.ok('provision');
    expect(refusals).toBe(4);
    const inventory = h.sandbox.inventory();
    expect(inventory.filter((i) => i.type === 'project').map((i) => i.id)).toEqual(['demo-build', 'demo-mark']);
    expect(inventory.filter((i) => i.type === 'pipeline')).toHaveLength(1);
  });

  it('destroy empties the artifact bucket of every version first, and --keep-connection keeps the connection', async () => {
    h = harness();
    await h.ok('provision');
    const bucket = state(h).resources['artifacts.bucket']!.id!;
    // Seven versions and a delete marker: more than a page of 5 (the tests' page size).
    for (const body of ['one', 'two', 'three', 'four', 'five', 'six', 'seven']) {
      await h.sandbox.dispatch('s3', 'PutObject', { Bucket: bucket, Key: 'artifact.zip', Body: body });
    }
    await h.sandbox.dispatch('s3', 'DeleteObject', { Bucket: bucket, Key: 'artifact.zip' }); // a delete marker too
    const before = h.sandbox.calls.length;
    await h.ok('destroy', '--yes', '--keep-connection');
    const listings = h.sandbox.calls.slice(before).filter((c) => c.operation === 'ListObjectVersions');
    expect(listings.length).toBeGreaterThanOrEqual(2);
    expect(h.sandbox.inventory().map((i) => `${i.service}/${i.type}`)).toEqual(['connections/connection']);
    expect(Object.keys(state(h).resources)).toEqual(['connection.github']);
    // The next provision finds it again by its ARN: no second connection to approve.
    await h.ok('provision');
    expect(h.sandbox.inventory().filter((i) => i.type === 'connection')).toHaveLength(1);
    await h.ok('destroy', '--yes');
    expect(h.sandbox.inventory()).toEqual([]);
  });
});

describe('the end of a first provision', () => {
  let h2: Harness;
  afterEach(() => h2?.restore());

  it('says what comes next, with the flags given, and a no-op run does not', async () => {
    h2 = harness();
    const first = await h2.ok('provision', '--sandbox');
    // On the sandbox, the connection is approved by a command (on AWS: the console address).
    expect(first.stdout).toContain(`\nnext:\n  1. \`shipline sandbox approve-connection --sandbox -c ${h2.configPath} --state ${h2.statePath}\` approves the GitHub connection`);
    expect(first.stdout).toContain(`  2. \`shipline init-app ../your-app -c ${h2.configPath}\``); // it reads the config only
    expect(first.stdout).toContain('  3. commit and push them to my-org/demo-app (main)');
    expect(first.stdout).toMatch(/  4\. `shipline release --sandbox [^`]*` starts it by hand/);
    const again = await h2.ok('provision');
    expect(again.stdout).not.toContain('next:');
  });
});

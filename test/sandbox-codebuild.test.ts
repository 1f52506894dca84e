// The simulated CodeBuild, driven through the real SDK client, with IAM providing the service role
// and ECR receiving the images its builds push.
import {
  BatchGetBuildsCommand,
  BatchGetProjectsCommand,
  CodeBuildClient,
  CreateProjectCommand,
  DeleteProjectCommand,
  InvalidInputException,
  ListBuildsForProjectCommand,
  ListProjectsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  StartBuildCommand,
  UpdateProjectCommand,
  paginateListProjects,
  type Build,
  type CreateProjectCommandInput,
} from '@aws-sdk/client-codebuild';
import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { Sandbox } from '../src/sandbox/sandbox';
import { ACCOUNT, REGION, useSandbox } from './helpers/sandbox-fixture';
import { allowServiceWork } from './helpers/service-roles';
import { TestClock } from './helpers/test-clock';

const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/demo-build`;
const REPOSITORY_URL = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/demo`;

const env = useSandbox();
let codebuild: CodeBuildClient;
let ecr: ECRClient;
let iam: IAMClient;

beforeEach(() => {
  codebuild = new CodeBuildClient({ region: REGION });
  ecr = new ECRClient({ region: REGION });
  iam = new IAMClient({ region: REGION });
});

/** The build role and the ECR repository the project pushes to. */
async function prerequisites(): Promise<void> {
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'demo-build',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'codebuild.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    }),
  );
  allowServiceWork(env.sandbox, 'demo-build', 'build', ['codeBuildBuild']);
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'demo' }));
}

function projectInput(overrides: Partial<CreateProjectCommandInput> = {}): CreateProjectCommandInput {
  return {
    name: 'demo-build',
    source: { type: 'CODEPIPELINE', buildspec: 'buildspec.yml' },
    artifacts: { type: 'CODEPIPELINE' },
    environment: {
      type: 'ARM_CONTAINER',
      image: 'aws/codebuild/amazonlinux-aarch64-standard:3.0',
      computeType: 'BUILD_GENERAL1_SMALL',
      privilegedMode: true,
      environmentVariables: [
        { name: 'ECR_REPOSITORY_URL', value: REPOSITORY_URL, type: 'PLAINTEXT' },
        { name: 'CONTAINER_NAME', value: 'web' },
      ],
    },
    serviceRole: ROLE_ARN,
    timeoutInMinutes: 30,
    logsConfig: { cloudWatchLogs: { status: 'ENABLED', groupName: '/shipline/demo/build' } },
    tags: [{ key: 'shipline:stack', value: 'demo' }],
    ...overrides,
  };
}

async function build(id: string): Promise<Build> {
  const out = await codebuild.send(new BatchGetBuildsCommand({ ids: [id] }));
  const found = out.builds?.[0];
  if (!found) throw new Error(`build ${id} not found`);
  return found;
}

describe('CodeBuild projects', () => {
  it('pages ListProjects (100 names a page at AWS\'s sizes, no page size to ask) and takes at most 100 names in BatchGetProjects', async () => {
    await prerequisites();
    const names = Array.from({ length: 7 }, (_, i) => `demo-${i}`);
    for (const name of names) await codebuild.send(new CreateProjectCommand(projectInput({ name })));
    const first = await codebuild.send(new ListProjectsCommand({}));
    expect(first.projects).toHaveLength(5);
    const listed: string[] = [];
    for await (const page of paginateListProjects({ client: codebuild }, {})) listed.push(...(page.projects ?? []));
    expect(listed).toEqual(names);
    await expect(codebuild.send(new ListProjectsCommand({ sortOrder: 'DESCENDING', nextToken: first.nextToken }))).rejects.toMatchObject({ name: 'InvalidInputException' });
    await expect(codebuild.send(new BatchGetProjectsCommand({ names: Array.from({ length: 101 }, (_, i) => `p${i}`) }))).rejects.toMatchObject({
      name: 'InvalidInputException',
    });
  });

  it('keeps a LOCAL cache with its modes (UpdateProject changes it), and refuses a cache AWS does not take', async () => {
    await prerequisites();
    const created = await codebuild.send(new CreateProjectCommand(projectInput({ cache: { type: 'LOCAL', modes: ['LOCAL_DOCKER_LAYER_CACHE'] } })));
    expect(created.project?.cache).toEqual({ type: 'LOCAL', modes: ['LOCAL_DOCKER_LAYER_CACHE'] });
    await codebuild.send(new UpdateProjectCommand({ name: 'demo-build', cache: { type: 'NO_CACHE' } }));
    const read = await codebuild.send(new BatchGetProjectsCommand({ names: ['demo-build'] }));
    expect(read.projects?.[0]?.cache).toEqual({ type: 'NO_CACHE' });
    for (const cache of [{ type: 'LOCAL' as const }, { type: 'LOCAL' as const, modes: ['LOCAL_NOPE' as never] }, { type: 'NO_CACHE' as const, modes: ['LOCAL_SOURCE_CACHE' as const] }]) {
      await expect(codebuild.send(new UpdateProjectCommand({ name: 'demo-build', cache }))).rejects.toMatchObject({ name: 'InvalidInputException' });
    }
  });

  it('creates a project and reads it back by name and by ARN, unknown names in projectsNotFound', async () => {
    await prerequisites();
    const created = await codebuild.send(new CreateProjectCommand(projectInput()));
    const arn = `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/demo-build`;
    expect(created.project).toMatchObject({
      name: 'demo-build',
      arn,
      source: { type: 'CODEPIPELINE', buildspec: 'buildspec.yml' },
      artifacts: { type: 'CODEPIPELINE' },
      environment: {
        type: 'ARM_CONTAINER',
        computeType: 'BUILD_GENERAL1_SMALL',
        privilegedMode: true,
        environmentVariables: [
          { name: 'ECR_REPOSITORY_URL', value: REPOSITORY_URL, type: 'PLAINTEXT' },
          { name: 'CONTAINER_NAME', value: 'web', type: 'PLAINTEXT' },
        ],
      },
      serviceRole: ROLE_ARN,
      timeoutInMinutes: 30,
      queuedTimeoutInMinutes: 480,
      logsConfig: { cloudWatchLogs: { status: 'ENABLED', groupName: '/shipline/demo/build' }, s3Logs: { status: 'DISABLED' } },
      tags: [{ key: 'shipline:stack', value: 'demo' }],
    });
    expect(created.project?.created?.toISOString()).toBe('2026-01-01T00:00:00.000Z');

    const read = await codebuild.send(new BatchGetProjectsCommand({ names: ['demo-build', arn, 'nope'] }));
    expect(read.projects?.map((p) => p.arn)).toEqual([arn, arn]);
    expect(read.projectsNotFound).toEqual(['nope']);
    expect(env.sandbox.inventory().filter((i) => i.service === 'codebuild')).toEqual([
      { service: 'codebuild', type: 'project', id: 'demo-build', key: 'demo-build', tags: { 'shipline:stack': 'demo' } },
    ]);
  });

  it('refuses what AWS refuses', async () => {
    await prerequisites();
    await codebuild.send(new CreateProjectCommand(projectInput()));
    await expect(codebuild.send(new CreateProjectCommand(projectInput()))).rejects.toThrow(ResourceAlreadyExistsException);

    const refusals: Array<[Partial<CreateProjectCommandInput>, RegExp]> = [
      [{ name: 'has space' }, /regular expression pattern/],
      [{ name: 'other', serviceRole: `arn:aws:iam::${ACCOUNT}:role/missing` }, /^CodeBuild is not authorized to perform: sts:AssumeRole on arn:aws:iam::123456789012:role\/missing$/],
      [{ name: 'other', artifacts: { type: 'NO_ARTIFACTS' } }, /both sourceType, and artifactType must be set to: CODEPIPELINE/],
      [{ name: 'other', source: { type: 'NO_SOURCE' }, artifacts: { type: 'NO_ARTIFACTS' } }, /buildspec/],
      [{ name: 'other', badgeEnabled: true }, /Build badges are not supported/],
      [{ name: 'other', timeoutInMinutes: 3 }, /between 5 and 2160/],
      [
        { name: 'other', environment: { ...projectInput().environment!, environmentVariables: [{ name: 'CODEBUILD_X', value: '1' }] } },
        /CODEBUILD_ are reserved/,
      ],
      [{ name: 'other', tags: [{ key: '', value: 'x' }] }, /tag keys/],
    ];
    for (const [overrides, message] of refusals) {
      const attempt = codebuild.send(new CreateProjectCommand(projectInput(overrides)));
      await expect(attempt).rejects.toThrow(InvalidInputException);
      await expect(attempt).rejects.toThrow(message);
    }
    expect((await codebuild.send(new ListProjectsCommand({}))).projects).toEqual(['demo-build']);
    // A source type the sandbox does not model fails loudly.
    await expect(
      codebuild.send(new CreateProjectCommand(projectInput({ name: 'gh', source: { type: 'GITHUB', location: 'https://github.com/a/b' }, artifacts: { type: 'NO_ARTIFACTS' } }))),
    ).rejects.toThrow(expect.objectContaining({ name: 'SandboxNotModelled' }));
  });

  it('updates only the given fields, replaces tags, deletes idempotently and lists sorted', async () => {
    await prerequisites();
    await codebuild.send(new CreateProjectCommand(projectInput()));
    const updated = await codebuild.send(
      new UpdateProjectCommand({
        name: 'demo-build',
        environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_MEDIUM' },
        tags: [{ key: 'env', value: 'ci' }],
      }),
    );
    expect(updated.project).toMatchObject({
      environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_MEDIUM', privilegedMode: false, environmentVariables: [] },
      serviceRole: ROLE_ARN,
      timeoutInMinutes: 30,
      tags: [{ key: 'env', value: 'ci' }],
    });
    await expect(codebuild.send(new UpdateProjectCommand({ name: 'nope', timeoutInMinutes: 10 }))).rejects.toThrow(ResourceNotFoundException);
    await expect(codebuild.send(new UpdateProjectCommand({ name: 'demo-build', serviceRole: `arn:aws:iam::${ACCOUNT}:role/gone` }))).rejects.toThrow(
      /sts:AssumeRole/,
    );

    await codebuild.send(new CreateProjectCommand(projectInput({ name: 'alpha' })));
    expect((await codebuild.send(new ListProjectsCommand({}))).projects).toEqual(['alpha', 'demo-build']);
    expect((await codebuild.send(new ListProjectsCommand({ sortBy: 'NAME', sortOrder: 'DESCENDING' }))).projects).toEqual(['demo-build', 'alpha']);

    await codebuild.send(new DeleteProjectCommand({ name: 'alpha' }));
    await codebuild.send(new DeleteProjectCommand({ name: 'alpha' }));
    expect((await codebuild.send(new ListProjectsCommand({}))).projects).toEqual(['demo-build']);
  });
});

describe('CodeBuild builds', () => {
  it('runs a build: IN_PROGRESS when started, then SUCCEEDED with every phase, and pushes the image', async () => {
    await prerequisites();
    await codebuild.send(new CreateProjectCommand(projectInput()));
    const commit = '0123456789abcdef0123456789abcdef01234567';
    const started = (await codebuild.send(new StartBuildCommand({ projectName: 'demo-build', sourceVersion: commit }))).build;
    expect(started?.id).toMatch(/^demo-build:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(started).toMatchObject({ buildStatus: 'IN_PROGRESS', currentPhase: 'QUEUED', buildNumber: 1, buildComplete: false, sourceVersion: commit });
    expect(started?.arn).toBe(`arn:aws:codebuild:${REGION}:${ACCOUNT}:build/${started?.id ?? ''}`);

    const done = await build(started?.id ?? '');
    expect(done).toMatchObject({ buildStatus: 'SUCCEEDED', currentPhase: 'COMPLETED', buildComplete: true });
    expect(done.phases?.map((p) => [p.phaseType, p.phaseStatus])).toEqual([
      ['SUBMITTED', 'SUCCEEDED'], ['QUEUED', 'SUCCEEDED'], ['PROVISIONING', 'SUCCEEDED'], ['DOWNLOAD_SOURCE', 'SUCCEEDED'],
      ['INSTALL', 'SUCCEEDED'], ['PRE_BUILD', 'SUCCEEDED'], ['BUILD', 'SUCCEEDED'], ['POST_BUILD', 'SUCCEEDED'],
      ['UPLOAD_ARTIFACTS', 'SUCCEEDED'], ['FINALIZING', 'SUCCEEDED'], ['COMPLETED', undefined],
    ]);
    expect(done.logs).toMatchObject({ groupName: '/shipline/demo/build' });

    const images = await ecr.send(new DescribeImagesCommand({ repositoryName: 'demo' }));
    expect(images.imageDetails?.map((i) => i.imageTags)).toEqual([['0123456']]);

    const second = (await codebuild.send(new StartBuildCommand({ projectName: 'demo-build' }))).build;
    expect(second?.buildNumber).toBe(2);
    const ids = (await codebuild.send(new ListBuildsForProjectCommand({ projectName: 'demo-build' }))).ids;
    expect(ids).toEqual([second?.id, started?.id]);
    const unknown = await codebuild.send(new BatchGetBuildsCommand({ ids: ['demo-build:nope', started?.id ?? ''] }));
    expect(unknown.buildsNotFound).toEqual(['demo-build:nope']);
    expect(unknown.builds).toHaveLength(1);
  });

  it('moves through its phases on a running clock', async () => {
    const clock = new TestClock();
    env.restart({ msPerSimSecond: 1, latencies: { 'codebuild.build': 100 }, clock: clock.now });
    await prerequisites();
    await codebuild.send(new CreateProjectCommand(projectInput()));
    const id = (await codebuild.send(new StartBuildCommand({ projectName: 'demo-build' }))).build?.id ?? '';
    expect((await build(id)).buildStatus).toBe('IN_PROGRESS');
    const phases: string[] = [];
    for (let elapsed = 0; elapsed <= 100; elapsed += 5) {
      const b = await build(id);
      if (phases.at(-1) !== b.currentPhase) phases.push(b.currentPhase ?? '');
      clock.advance(5);
    }
    expect(phases).toEqual(['QUEUED', 'PROVISIONING', 'DOWNLOAD_SOURCE', 'INSTALL', 'PRE_BUILD', 'BUILD', 'POST_BUILD', 'UPLOAD_ARTIFACTS', 'FINALIZING', 'COMPLETED']);
    expect((await build(id)).buildStatus).toBe('SUCCEEDED');
    // Without a source version, the simulated buildspec tags the image `latest`.
    const images = await ecr.send(new DescribeImagesCommand({ repositoryName: 'demo' }));
    expect(images.imageDetails?.[0]?.imageTags).toEqual(['latest']);
  });

  it('fails a build in BUILD on request, and in POST_BUILD when the push cannot happen', async () => {
    await prerequisites();
    await codebuild.send(new CreateProjectCommand(projectInput()));
    env.sandbox.codebuild.simulateBuildFailure('demo-build');
    const failing = (await codebuild.send(new StartBuildCommand({ projectName: 'demo-build' }))).build?.id ?? '';
    const failed = await build(failing);
    expect(failed).toMatchObject({ buildStatus: 'FAILED', currentPhase: 'COMPLETED' });
    expect(failed.phases?.find((p) => p.phaseType === 'BUILD')?.phaseStatus).toBe('FAILED');
    // Only the next build fails.
    const next = (await codebuild.send(new StartBuildCommand({ projectName: 'demo-build' }))).build?.id ?? '';
    expect((await build(next)).buildStatus).toBe('SUCCEEDED');

    await codebuild.send(
      new UpdateProjectCommand({
        name: 'demo-build',
        environment: { ...projectInput().environment!, environmentVariables: [{ name: 'ECR_REPOSITORY_URL', value: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/missing` }] },
      }),
    );
    const pushless = (await codebuild.send(new StartBuildCommand({ projectName: 'demo-build' }))).build?.id ?? '';
    const noPush = await build(pushless);
    expect(noPush.buildStatus).toBe('FAILED');
    const postBuild = noPush.phases?.find((p) => p.phaseType === 'POST_BUILD');
    expect(postBuild?.phaseStatus).toBe('FAILED');
    expect(postBuild?.contexts?.[0]?.message).toMatch(/RepositoryNotFoundException/);
  });

  it('refuses builds of unknown projects and overrides it does not model', async () => {
    await expect(codebuild.send(new StartBuildCommand({ projectName: 'nope' }))).rejects.toThrow(ResourceNotFoundException);
    await expect(codebuild.send(new StartBuildCommand({ projectName: 'nope' }))).rejects.toThrow(
      `Project cannot be found: arn:aws:codebuild:${REGION}:${ACCOUNT}:project/nope`,
    );
    await prerequisites();
    await codebuild.send(new CreateProjectCommand(projectInput()));
    await expect(codebuild.send(new StartBuildCommand({ projectName: 'demo-build', imageOverride: 'x' }))).rejects.toThrow(
      expect.objectContaining({ name: 'SandboxNotModelled' }),
    );
  });

  it('carries projects and running builds across a snapshot', async () => {
    const clock = new TestClock();
    env.restart({ msPerSimSecond: 1, latencies: { 'codebuild.build': 60 }, clock: clock.now });
    await prerequisites();
    await codebuild.send(new CreateProjectCommand(projectInput()));
    const id = (await codebuild.send(new StartBuildCommand({ projectName: 'demo-build', sourceVersion: 'abcdef0123' }))).build?.id ?? '';
    clock.advance(30);
    const snapshot = JSON.parse(JSON.stringify(env.sandbox.snapshot())) as ReturnType<Sandbox['snapshot']>;
    env.restoreFrom(snapshot, { clock: clock.now });
    expect((await build(id)).buildStatus).toBe('IN_PROGRESS');
    clock.advance(29);
    expect((await build(id)).buildStatus).toBe('IN_PROGRESS');
    clock.advance(1);
    expect((await build(id)).buildStatus).toBe('SUCCEEDED');
    expect((await codebuild.send(new BatchGetProjectsCommand({ names: ['demo-build'] }))).projects?.[0]?.environment?.privilegedMode).toBe(true);
    const images = await ecr.send(new DescribeImagesCommand({ repositoryName: 'demo' }));
    expect(images.imageDetails?.[0]?.imageTags).toEqual(['abcdef0']);
  });
});

describe('shipline\'s mark buildspec, simulated', () => {
  const markProject = () =>
    projectInput({
      name: 'demo-mark',
      source: { type: 'CODEPIPELINE', buildspec: 'version: 0.2' },
      environment: { type: 'ARM_CONTAINER', image: 'aws/codebuild/amazonlinux-aarch64-standard:3.0', computeType: 'BUILD_GENERAL1_SMALL', environmentVariables: [] },
    });
  const tagsOf = async () => (await ecr.send(new DescribeImagesCommand({ repositoryName: 'demo' }))).imageDetails?.map((d) => d.imageTags ?? []);

  it('moves the MARK_TAG an action passes onto the image its input names, instead of pushing', async () => {
    await prerequisites();
    await codebuild.send(new CreateProjectCommand(markProject()));
    const first = env.sandbox.ecr.pushImage('demo', 'abc1234').imageUri;
    const second = env.sandbox.ecr.pushImage('demo', 'def5678').imageUri;
    const mark = (uri: string) => {
      const { id } = env.sandbox.codebuild.startPipelineBuild({ projectName: 'demo-mark', startedAt: 0, variables: [{ name: 'MARK_TAG', value: 'live-dev' }], inputImageUri: uri });
      return env.sandbox.codebuild.pipelineBuildResult(id);
    };
    expect(mark(first).status).toBe('SUCCEEDED');
    expect(await tagsOf()).toEqual([['abc1234', 'live-dev'], ['def5678']]);
    expect(mark(second).status).toBe('SUCCEEDED');
    // Run again on the same image (a retried action): the tag is already there, which is success.
    expect(mark(second).status).toBe('SUCCEEDED');
    expect(await tagsOf()).toEqual([['abc1234'], ['def5678', 'live-dev']]);
    const gone = mark(`${REPOSITORY_URL}:nope`);
    expect(gone).toMatchObject({ status: 'FAILED', message: expect.stringContaining('aws ecr batch-get-image') });
  });
});

describe('a build writes its log lines', () => {
  it('in its log group, under the stream BatchGetBuilds names: each phase it ran, a failed one with its message', async () => {
    const { CloudWatchLogsClient, CreateLogGroupCommand, GetLogEventsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
    const logs = new CloudWatchLogsClient({ region: REGION });
    await prerequisites();
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/shipline/demo/build' })); // the project's logsConfig group
    await codebuild.send(new CreateProjectCommand(projectInput()));
    const ok = await build((await codebuild.send(new StartBuildCommand({ projectName: 'demo-build' }))).build?.id ?? '');
    expect(ok.buildStatus).toBe('SUCCEEDED');
    const read = (b: Build, limit?: number) =>
      logs.send(new GetLogEventsCommand({ logGroupName: b.logs!.groupName!, logStreamName: b.logs!.streamName!, ...(limit ? { limit } : {}) }));
    const lines = ((await read(ok)).events ?? []).map((e) => e.message ?? '');
    expect(lines[0]).toMatch(/^\[Container\] 2026\/01\/01 \d\d:\d\d:\d\d Entering phase DOWNLOAD_SOURCE\n$/);
    expect(lines.filter((l) => l.includes('Entering phase')).map((l) => l.replace(/^.* Entering phase /, '').trim())).toEqual([
      'DOWNLOAD_SOURCE', 'INSTALL', 'PRE_BUILD', 'BUILD', 'POST_BUILD', 'UPLOAD_ARTIFACTS', 'FINALIZING',
    ]);
    expect(lines.some((l) => l.includes(`Running command docker push ${REPOSITORY_URL}:latest`))).toBe(true);
    // Without startFromHead: the last `limit` events, oldest first.
    expect(((await read(ok, 2)).events ?? []).map((e) => e.message?.trim().replace(/^.*\d\d:\d\d:\d\d /, ''))).toEqual([
      'Phase complete: FINALIZING State: SUCCEEDED',
      'Phase context status code:  Message:',
    ]);

    env.sandbox.codebuild.simulateBuildFailure('demo-build');
    const failed = await build((await codebuild.send(new StartBuildCommand({ projectName: 'demo-build' }))).build?.id ?? '');
    const tail = ((await read(failed, 2)).events ?? []).map((e) => e.message ?? '');
    expect(tail[0]).toContain('Phase complete: BUILD State: FAILED');
    expect(tail[1]).toContain('Phase context status code: COMMAND_EXECUTION_ERROR Message: Build terminated with state: FAILED. Phase: BUILD');
    await expect(logs.send(new GetLogEventsCommand({ logGroupName: '/shipline/demo/build', logStreamName: 'nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'The specified log stream does not exist.',
    });
  });
});

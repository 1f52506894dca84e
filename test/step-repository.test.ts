// Unit tests of the repository step against a stubbed ECR client: the repository's create inputs,
// its lifecycle policy, drift repaired in place, adoption by name + tags, and destroy with its images.
import {
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  LifecyclePolicyNotFoundException,
  ListTagsForResourceCommand,
  PutImageScanningConfigurationCommand,
  PutImageTagMutabilityCommand,
  PutLifecyclePolicyCommand,
  RepositoryNotFoundException,
  type Repository,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { isMutating } from '../src/aws/operations';
import { KNOWN_AFTER_APPLY } from '../src/step';
import { ForeignResourceError } from '../src/errors';
import { repository } from '../steps/repository';
import { testContext, type TestContext } from './helpers/context';

const ecr = mockClient(ECRClient);

const ARN = 'arn:aws:ecr:eu-west-3:123456789012:repository/demo';
const URI = '123456789012.dkr.ecr.eu-west-3.amazonaws.com/demo';
const TAGS = [
  { Key: 'shipline:stack', Value: 'demo' },
  { Key: 'shipline:step', Value: 'repository' },
  { Key: 'Name', Value: 'demo' },
];
const STATE = { 'repository.repository': { id: 'demo', uri: URI, arn: ARN } };

/** A rule that keeps the one image carrying `tag`. */
const keepTag = (priority: number, tag: string) => ({
  rulePriority: priority,
  description: `keep the image tagged ${tag}`,
  selection: { tagStatus: 'tagged', tagPatternList: [tag], countType: 'imageCountMoreThan', countNumber: 1 },
  action: { type: 'expire' },
});

/**
 * The policy written out by hand for the default environments: first what runs (dev, prod) and
 * what prod's approval waits to deploy, each kept by a rule of its own; last, the newest N images.
 */
const policy = (keep: number) => ({
  rules: [
    keepTag(1, 'live-dev'),
    keepTag(2, 'live-prod'),
    keepTag(3, 'next-prod'),
    {
      rulePriority: 4,
      description: `keep the last ${keep} images`,
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: keep },
      action: { type: 'expire' },
    },
  ],
});

const repo = (overrides: Partial<Repository> = {}): Repository => ({
  repositoryArn: ARN,
  registryId: '123456789012',
  repositoryName: 'demo',
  repositoryUri: URI,
  imageTagMutability: 'MUTABLE',
  imageScanningConfiguration: { scanOnPush: true },
  encryptionConfiguration: { encryptionType: 'AES256' },
  ...overrides,
});

const notFound = () => new RepositoryNotFoundException({ message: "The repository with name 'demo' does not exist", $metadata: {} });
const noPolicy = () => new LifecyclePolicyNotFoundException({ message: 'Lifecycle policy does not exist', $metadata: {} });

function awsHasNothing(): void {
  ecr.on(DescribeRepositoriesCommand).rejects(notFound());
  ecr.on(CreateRepositoryCommand).resolves({ repository: repo({ imageScanningConfiguration: { scanOnPush: true } }) });
  ecr.on(PutLifecyclePolicyCommand).resolves({});
}

/** The repository exists; ECR hands the policy back reformatted (other key order, no spaces). */
function awsHasRepository(options: { repository?: Repository; policyText?: string | null; tags?: typeof TAGS } = {}): void {
  ecr.on(DescribeRepositoriesCommand, { repositoryNames: ['demo'] }).resolves({ repositories: [options.repository ?? repo()] });
  const p = policy(10);
  const reordered = { rules: p.rules.map((r) => ({ action: r.action, selection: { ...r.selection }, description: r.description, rulePriority: r.rulePriority })) };
  if (options.policyText === null) ecr.on(GetLifecyclePolicyCommand).rejects(noPolicy());
  else ecr.on(GetLifecyclePolicyCommand).resolves({ repositoryName: 'demo', lifecyclePolicyText: options.policyText ?? JSON.stringify(reordered) });
  ecr.on(ListTagsForResourceCommand, { resourceArn: ARN }).resolves({ tags: options.tags ?? TAGS });
}

const mutatingCommands = () => ecr.calls().map((c) => (c.args[0] as object).constructor.name).filter(isMutating);
const outcomeOf = (ctx: TestContext) => ctx.outcomes.find((o) => o.resource === 'repository.repository');

beforeEach(() => {
  ecr.reset();
  ecr.onAnyCommand().rejects(new Error('unexpected call'));
});

afterAll(() => ecr.restore());

describe('repository step: create from nothing', () => {
  let ctx: TestContext;

  beforeEach(async () => {
    awsHasNothing();
    ctx = testContext('repository');
    await repository.reconcile(ctx);
  });

  it('creates the repository named after the stack: scan on push, mutable tags, tagged', () => {
    expect(ecr).toHaveReceivedCommandTimes(CreateRepositoryCommand, 1);
    expect(ecr).toHaveReceivedCommandWith(CreateRepositoryCommand, {
      repositoryName: 'demo',
      imageTagMutability: 'MUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      tags: TAGS,
    });
  });

  it('puts a lifecycle policy that keeps every environment\'s live image and the image an approval waits for, then the last repository.keepImages', () => {
    expect(ecr).toHaveReceivedCommandTimes(PutLifecyclePolicyCommand, 1);
    const input = ecr.commandCalls(PutLifecyclePolicyCommand)[0]!.args[0].input;
    expect(input.repositoryName).toBe('demo');
    expect(JSON.parse(input.lifecyclePolicyText!)).toEqual(policy(10));
  });

  it('records the repository with its URI and ARN, reports it created and outputs the URI', () => {
    expect(Object.fromEntries(ctx.records)).toEqual(STATE);
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'created', id: 'demo' });
    expect(repository.outputs!(ctx.state, ctx.config)).toEqual([{ key: 'repositoryUri', label: 'image repository', value: URI }]);
  });
});

describe('repository step: re-run', () => {
  it('makes no mutating call when AWS matches, whatever the policy text looks like', async () => {
    awsHasRepository();
    const ctx = testContext('repository', { state: STATE });
    await repository.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'unchanged' });
    expect(ecr).not.toHaveReceivedCommand(ListTagsForResourceCommand);
  });

  it('turns scan on push back on', async () => {
    awsHasRepository({ repository: repo({ imageScanningConfiguration: { scanOnPush: false } }) });
    ecr.on(PutImageScanningConfigurationCommand).resolves({});
    const ctx = testContext('repository', { state: STATE });
    await repository.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['PutImageScanningConfigurationCommand']);
    expect(ecr).toHaveReceivedCommandWith(PutImageScanningConfigurationCommand, { repositoryName: 'demo', imageScanningConfiguration: { scanOnPush: true } });
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'updated', changes: ['scanOnPush'] });
  });

  it('makes tags mutable again (the buildspec pushes latest each time)', async () => {
    awsHasRepository({ repository: repo({ imageTagMutability: 'IMMUTABLE' }) });
    ecr.on(PutImageTagMutabilityCommand).resolves({});
    const ctx = testContext('repository', { state: STATE });
    await repository.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['PutImageTagMutabilityCommand']);
    expect(ecr).toHaveReceivedCommandWith(PutImageTagMutabilityCommand, { repositoryName: 'demo', imageTagMutability: 'MUTABLE' });
  });

  it('rewrites the lifecycle policy when repository.keepImages changes', async () => {
    awsHasRepository();
    ecr.on(PutLifecyclePolicyCommand).resolves({});
    const ctx = testContext('repository', { state: STATE, config: { repository: { keepImages: 5 } } });
    await repository.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['PutLifecyclePolicyCommand']);
    expect(JSON.parse(ecr.commandCalls(PutLifecyclePolicyCommand)[0]!.args[0].input.lifecyclePolicyText!)).toEqual(policy(5));
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'updated', changes: ['lifecyclePolicy'] });
  });

  it('puts the lifecycle policy back when it was deleted', async () => {
    awsHasRepository({ policyText: null });
    ecr.on(PutLifecyclePolicyCommand).resolves({});
    const ctx = testContext('repository', { state: STATE });
    await repository.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['PutLifecyclePolicyCommand']);
  });

  it('creates a new repository when the recorded one is gone', async () => {
    awsHasNothing();
    const ctx = testContext('repository', { state: STATE });
    await repository.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['CreateRepositoryCommand', 'PutLifecyclePolicyCommand']);
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'created' });
  });

  it('adopts a same-named repository that carries the stack tag', async () => {
    awsHasRepository();
    const ctx = testContext('repository');
    await repository.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(ecr).toHaveReceivedCommandWith(ListTagsForResourceCommand, { resourceArn: ARN });
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'adopted' });
    expect(Object.fromEntries(ctx.records)).toEqual(STATE);
  });

  it('refuses a same-named repository without the stack tag, and changes nothing', async () => {
    awsHasRepository({ tags: [{ Key: 'shipline:stack', Value: 'other' }] });
    const ctx = testContext('repository');
    const error = await repository.reconcile(ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForeignResourceError);
    expect((error as Error).message).toContain('ECR repository demo');
    expect(mutatingCommands()).toEqual([]);
    expect(ctx.records.size).toBe(0);
  });
});

describe('repository step: dry run', () => {
  it('on an empty account makes no mutating call and plans the repository', async () => {
    awsHasNothing();
    const ctx = testContext('repository', { dryRun: true });
    await repository.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'created', id: KNOWN_AFTER_APPLY });
    expect(ctx.records.size).toBe(0);
  });

  it('with drift reports the update without making it', async () => {
    awsHasRepository({ repository: repo({ imageScanningConfiguration: { scanOnPush: false } }) });
    const ctx = testContext('repository', { state: STATE, dryRun: true });
    await repository.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'updated', changes: ['scanOnPush'] });
  });
});

describe('repository step: destroy', () => {
  it('deletes the repository with its images and forgets it', async () => {
    awsHasRepository();
    ecr.on(DeleteRepositoryCommand).resolves({ repository: repo() });
    const ctx = testContext('repository', { state: STATE });
    await repository.destroy(ctx);
    expect(mutatingCommands()).toEqual(['DeleteRepositoryCommand']);
    expect(ecr).toHaveReceivedCommandWith(DeleteRepositoryCommand, { repositoryName: 'demo', force: true });
    expect(ctx.records.size).toBe(0);
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'deleted', id: 'demo' });
  });

  it('takes a repository already gone as done', async () => {
    ecr.on(DescribeRepositoriesCommand).rejects(notFound());
    const ctx = testContext('repository', { state: STATE });
    await repository.destroy(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(ctx.records.size).toBe(0);
  });

  it('refuses a recorded repository that carries another stack\'s tag: no delete, the record stays', async () => {
    awsHasRepository({ tags: [{ Key: 'shipline:stack', Value: 'bravo' }] });
    const ctx = testContext('repository', { state: STATE });
    await repository.destroy(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(ctx.records.get('repository.repository')?.id).toBe('demo');
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'refused', detail: 'state says repository.repository is demo, but demo carries shipline:stack=bravo; left alone' });
  });

  it('with a lost state deletes the same-named repository only if it carries the stack tag', async () => {
    awsHasRepository();
    ecr.on(DeleteRepositoryCommand).resolves({});
    await repository.destroy(testContext('repository'));
    expect(ecr).toHaveReceivedCommandWith(DeleteRepositoryCommand, { repositoryName: 'demo', force: true });

    ecr.reset();
    ecr.onAnyCommand().rejects(new Error('unexpected call'));
    awsHasRepository({ tags: [] });
    await repository.destroy(testContext('repository'));
    expect(mutatingCommands()).toEqual([]);
  });
});

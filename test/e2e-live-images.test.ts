// Issue 11, point 6, end to end on the sandbox: ECR's lifecycle rules know nothing of what runs, so
// more than repository.keepImages dev builds while prod waits for its approval would expire the
// image prod runs. The pipeline's mark actions tag what each environment runs (live-<env>) and what
// an approval waits to deploy (next-<env>); the repository's policy keeps those tags. The sandbox's
// ECR applies the policy as ECR does (instant mode: at every call), rule priority included.
import type { ImageDetail } from '@aws-sdk/client-ecr';
import { lifecyclePolicy } from '../steps/repository';
import { BLUE_GREEN } from './helpers/configs';
import { Sandbox } from '../src/sandbox/sandbox';
import { REAL_LATENCIES, type LatencyModel } from '../src/sandbox/kernel/world';
import { BASE_CONFIG, harness, type Harness } from './helpers/harness';
import { stateOf } from './helpers/promises';
import { runningImage } from './helpers/running';
import { TestClock } from './helpers/test-clock';

let h: Harness;
afterEach(() => h?.restore());

const KEEP = 2;

async function images(x: Harness): Promise<ImageDetail[]> {
  const { imageDetails } = (await x.sandbox.dispatch('ecr', 'DescribeImages', { repositoryName: 'demo' })) as { imageDetails: ImageDetail[] };
  return imageDetails;
}

/** The tags of the image an image URI (`…/demo:<tag>`) names, or undefined when it is gone. */
async function tagsOf(x: Harness, uri: string): Promise<string[] | undefined> {
  const tag = uri.slice(uri.lastIndexOf(':') + 1);
  return (await images(x)).find((image) => image.imageTags?.includes(tag))?.imageTags?.slice().sort();
}

/** A push to the app repository; the status read that follows runs the pipeline up to the approval. */
async function commit(x: Harness, message: string): Promise<void> {
  x.sandbox.codepipeline.simulateCommit({ repository: 'my-org/demo-app', branch: 'main', message });
  await x.ok('status');
}

/** Provision, approve the connection, release and approve: dev and prod run the first build. */
async function firstRelease(x: Harness): Promise<string> {
  await x.ok('provision');
  await x.ok('status');
  x.sandbox.connections.approveConnection(stateOf(x).resources['connection.github']!.id!);
  await x.ok('release');
  await x.ok('status');
  await x.ok('approve');
  await x.ok('status'); // runs the rest of the stage: the deploy, then its mark
  const prod = await runningImage(x, 'prod');
  expect(prod).toMatch(/^123456789012\.dkr\.ecr\.eu-west-3\.amazonaws\.com\/demo:\w+$/);
  expect(await runningImage(x, 'dev')).toBe(prod);
  return prod;
}

describe.each([
  ['rolling', { ...BASE_CONFIG, repository: { keepImages: KEEP } }],
  ['blue-green', { ...BLUE_GREEN, repository: { keepImages: KEEP } }],
])('%s: an image an environment runs is never expired', (_strategy, config) => {
  it(`more than ${KEEP} dev builds while prod waits for approval leave prod's image, tagged live-prod`, async () => {
    h = harness({ config });
    const prod = await firstRelease(h);
    expect(await tagsOf(h, prod)).toEqual(expect.arrayContaining(['live-dev', 'live-prod', 'next-prod']));

    for (let i = 1; i <= KEEP + 3; i += 1) await commit(h, `change ${i}`);

    // Prod still runs the first build and waits to approve a later one; dev runs the newest.
    expect(await runningImage(h, 'prod')).toBe(prod);
    const dev = await runningImage(h, 'dev');
    expect(dev).not.toBe(prod);
    expect(await tagsOf(h, prod)).toEqual(expect.arrayContaining(['live-prod']));
    expect(await tagsOf(h, dev)).toEqual(expect.arrayContaining(['live-dev']));
    // The image the approval waits for is kept too, and the rest is the newest KEEP.
    const waiting = (await images(h)).find((image) => image.imageTags?.includes('next-prod'));
    expect(waiting).toBeDefined();
    expect((await images(h)).length).toBeLessThanOrEqual(KEEP + 2);

    // Approving deploys the image that waited, which now exists and is prod's live one.
    await h.ok('approve');
    await h.ok('status');
    const approved = await runningImage(h, 'prod');
    expect(approved).not.toBe(prod);
    expect(await tagsOf(h, approved)).toEqual(expect.arrayContaining(['live-prod']));
    expect(waiting?.imageTags).toEqual(expect.arrayContaining([approved.slice(approved.lastIndexOf(':') + 1)]));
    // The newest run, which waited at the stage's entrance, now waits for the approval: its image is next.
    expect(await tagsOf(h, dev)).toEqual(expect.arrayContaining(['live-dev', 'next-prod']));
  });

  it(`with the old rule (keep the last ${KEEP}, nothing else) the same builds expire prod's image`, async () => {
    h = harness({ config });
    const prod = await firstRelease(h);
    const old = {
      rules: [{ rulePriority: 1, description: `keep the last ${KEEP} images`, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: KEEP }, action: { type: 'expire' } }],
    };
    await h.sandbox.dispatch('ecr', 'PutLifecyclePolicy', { repositoryName: 'demo', lifecyclePolicyText: JSON.stringify(old) });

    for (let i = 1; i <= KEEP + 3; i += 1) await commit(h, `change ${i}`);

    expect(await runningImage(h, 'prod')).toBe(prod);
    expect(await tagsOf(h, prod)).toBeUndefined();
    // The policy provision writes puts the live rules back.
    await h.ok('provision');
    const { lifecyclePolicyText } = (await h.sandbox.dispatch('ecr', 'GetLifecyclePolicy', { repositoryName: 'demo' })) as { lifecyclePolicyText: string };
    expect(JSON.parse(lifecyclePolicyText)).toEqual(lifecyclePolicy(KEEP, [{ name: 'dev', approval: false }, { name: 'prod', approval: true }]));
  });
});

describe('on a clock, as ECR runs its evaluator (within 24 hours)', () => {
  it('images past the count stay until the run; after it, past the delay, prod\'s image is still there and the count holds', async () => {
    // Everything instant but the lifecycle evaluator, which runs 24 simulated hours after the policy.
    const clock = new TestClock();
    const latencies = Object.fromEntries(Object.keys(REAL_LATENCIES).map((k) => [k, k === 'ecr.lifecycle' ? REAL_LATENCIES[k] : 0])) as LatencyModel;
    h = harness({ config: { ...BASE_CONFIG, repository: { keepImages: KEEP } }, sandbox: new Sandbox({ region: 'eu-west-3', msPerSimSecond: 1, latencies, clock: clock.now }) });
    const prod = await firstRelease(h);
    for (let i = 1; i <= KEEP + 3; i += 1) await commit(h, `change ${i}`);
    expect((await images(h)).length).toBe(KEEP + 4);
    // One simulated second is one clock millisecond: just before the run, nothing has gone yet.
    clock.advance(REAL_LATENCIES['ecr.lifecycle'] - 1);
    expect((await images(h)).length).toBe(KEEP + 4);

    clock.advance(2);
    expect(await runningImage(h, 'prod')).toBe(prod);
    expect(await tagsOf(h, prod)).toEqual(expect.arrayContaining(['live-prod']));
    const left = await images(h);
    expect(left.length).toBeLessThanOrEqual(KEEP + 2);
    expect(left.some((image) => image.imageTags?.includes('next-prod'))).toBe(true);
  });
});

describe('a failed deploy keeps live-<env> on the image the environment still runs', () => {
  it('a build whose deploy to dev fails (exec format error) is never tagged live-dev', async () => {
    h = harness({ config: { ...BASE_CONFIG, repository: { keepImages: KEEP } } });
    const first = await firstRelease(h);
    // Someone points the build at x86 by hand: its image cannot run on the ARM64 tasks.
    const { projects } = (await h.sandbox.dispatch('codebuild', 'BatchGetProjects', { names: ['demo-build'] })) as { projects: Array<{ environment: object }> };
    const environment = { ...projects[0]!.environment, type: 'LINUX_CONTAINER', image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0' };
    await h.sandbox.dispatch('codebuild', 'UpdateProject', { name: 'demo-build', environment });
    await commit(h, 'built on x86');

    const { stageStates } = (await h.sandbox.dispatch('codepipeline', 'GetPipelineState', { name: 'demo-pipeline' })) as {
      stageStates: Array<{ stageName: string; actionStates: Array<{ actionName: string; latestExecution?: { status: string; summary?: string } }> }>;
    };
    const actions = stageStates.find((s) => s.stageName === 'Deploy')!.actionStates;
    const latest = (name: string) => actions.find((a) => a.actionName === name)?.latestExecution;
    expect(latest('Deploy-dev')).toMatchObject({ status: 'Failed', summary: expect.stringContaining('exec format error') });
    // Tag-live-dev last ran for the first release: dev still runs that image, which keeps its tag.
    expect(await runningImage(h, 'dev')).toBe(first);
    expect(await tagsOf(h, first)).toEqual(expect.arrayContaining(['live-dev', 'live-prod']));
    const broken = (await images(h)).find((image) => !image.imageTags?.includes('live-dev') && image.imageTags?.some((t) => !t.startsWith('live-') && !t.startsWith('next-')));
    expect(broken?.imageTags).not.toContain('live-dev');
  });
});

// The simulated ECR's lifecycle policies, as the ECR user guide specifies them: what
// PutLifecyclePolicy refuses, how the rules select images (priority included), when they are
// applied; and the retag (BatchGetImage + PutImage) the pipeline's mark actions rely on.
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  ECRClient,
  PutImageCommand,
  PutImageTagMutabilityCommand,
  PutLifecyclePolicyCommand,
} from '@aws-sdk/client-ecr';
import { expiredDigests, parseLifecyclePolicy, type LifecycleImage } from '../src/sandbox/models/ecr-lifecycle';
import { lifecyclePolicy } from '../steps/repository';
import { REGION, useSandbox } from './helpers/sandbox-fixture';
import { TestClock } from './helpers/test-clock';

const env = useSandbox();
let ecr: ECRClient;

beforeEach(() => {
  ecr = new ECRClient({ region: REGION });
});

const DAY_MS = 86_400_000;
const ENVIRONMENTS = [
  { name: 'dev', approval: false },
  { name: 'prod', approval: true },
];

/** A policy from its rules, padded past ECR's 100-character minimum by descriptions. */
const policy = (...rules: object[]) =>
  JSON.stringify({ rules: rules.map((r, i) => ({ description: 'a rule of the test policy', rulePriority: i + 1, action: { type: 'expire' }, ...r })) });
const keepLast = (n: number) => ({ selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: n } });
const keepTagged = (tag: string) => ({ selection: { tagStatus: 'tagged', tagPatternList: [tag], countType: 'imageCountMoreThan', countNumber: 1 } });

const tagsLeft = async (): Promise<string[][]> => {
  const { imageDetails = [] } = await ecr.send(new DescribeImagesCommand({ repositoryName: 'demo' }));
  return imageDetails.map((d) => d.imageTags ?? []);
};

/** Pushes images tagged `tags`, one a simulated minute apart on a timed sandbox. */
function push(tags: string[], clock?: TestClock): void {
  for (const tag of tags) {
    env.sandbox.ecr.pushImage('demo', tag);
    clock?.advance(60);
  }
}

describe('PutLifecyclePolicy', () => {
  beforeEach(async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'demo' }));
  });

  const refused: Array<[string, string, RegExp]> = [
    ['a rule "any" that is not evaluated last', policy(keepLast(5), keepTagged('live-dev')), /tagStatus "any" and must have the highest rulePriority/],
    ['a tagged rule without a tag list', policy({ selection: { tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 } }), /needs a "tagPrefixList" or a "tagPatternList"/],
    [
      'a rule with both tag lists',
      policy({ selection: { tagStatus: 'tagged', tagPrefixList: ['live'], tagPatternList: ['live*'], countType: 'imageCountMoreThan', countNumber: 1 } }),
      /not both/,
    ],
    ['an untagged rule with a tag list', policy({ selection: { tagStatus: 'untagged', tagPrefixList: ['x'], countType: 'imageCountMoreThan', countNumber: 1 } }), /takes no "tagPrefixList"/],
    ['a pattern with five wildcards', policy({ selection: { tagStatus: 'tagged', tagPatternList: ['*a*b*c*d*'], countType: 'imageCountMoreThan', countNumber: 1 } }), /at most 4 wildcards/],
    ['countUnit with imageCountMoreThan', policy({ selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1, countUnit: 'days' } }), /"countUnit" is only allowed/],
    ['sinceImagePushed without countUnit', policy({ selection: { tagStatus: 'any', countType: 'sinceImagePushed', countNumber: 1 } }), /"countUnit" must be "days"/],
    ['a count of 0', policy({ selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 0 } }), /positive integer/],
    [
      'two rules selecting untagged images',
      policy({ selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 } }, { selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 2 } }),
      /only one rule may select untagged images/,
    ],
    [
      'one tag prefix in two rules',
      policy(
        { selection: { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 1 } },
        { selection: { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 9 } },
      ),
      /tag prefix "v" is used by more than one rule/,
    ],
    ['a duplicate rulePriority', JSON.stringify({ rules: [1, 1].map((p) => ({ rulePriority: p, description: 'twice the same priority, which ECR refuses', ...keepLast(3), action: { type: 'expire' } })) }), /rulePriority 1 is used by more than one rule/],
    ['a text under 100 characters', '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}'.slice(0, 99), /100 to 30720 characters/],
  ];

  it.each(refused)('refuses %s with InvalidParameterException', async (_what, text, reason) => {
    const error = await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'demo', lifecyclePolicyText: text })).catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ name: 'InvalidParameterException' });
    expect((error as Error).message).toContain("Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure:");
    expect((error as Error).message).toMatch(reason);
  });

  it('accepts the policy the repository step writes', async () => {
    const text = JSON.stringify(lifecyclePolicy(10, ENVIRONMENTS));
    expect(parseLifecyclePolicy(text)).toHaveProperty('rules');
    await expect(ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'demo', lifecyclePolicyText: text }))).resolves.toMatchObject({ lifecyclePolicyText: text });
  });
});

describe('lifecycle evaluation', () => {
  const image = (digest: string, tags: string[], day: number): LifecycleImage => ({ digest, tags, pushedAt: day * DAY_MS });
  const rules = (text: string) => {
    const parsed = parseLifecyclePolicy(text);
    if (!('rules' in parsed)) throw new Error(parsed.problem);
    return parsed.rules;
  };

  it('keeps the newest N images by push time and expires the older ones', () => {
    const images = [image('a', ['1'], 1), image('b', ['2'], 2), image('c', [], 3), image('d', ['4'], 4)];
    expect([...expiredDigests(rules(policy(keepLast(2))), images, 10 * DAY_MS)].sort()).toEqual(['a', 'b']);
  });

  it('never lets a lower-priority rule expire an image a higher-priority rule matches, though it still counts it', () => {
    const images = [image('a', ['live-prod'], 1), image('b', ['2'], 2), image('c', ['3'], 3), image('d', ['4'], 4)];
    // keep 2: c and d are the newest; a (live-prod) would go with b, but the rule before protects it.
    expect([...expiredDigests(rules(policy(keepTagged('live-prod'), keepLast(2))), images, 10 * DAY_MS)]).toEqual(['b']);
    // Without that rule a goes too: ECR's count knows nothing of what runs.
    expect([...expiredDigests(rules(policy(keepLast(2))), images, 10 * DAY_MS)].sort()).toEqual(['a', 'b']);
  });

  it('matches a pattern without wildcards exactly, with wildcards as globs, and a prefix by its start; several entries all at once', () => {
    const images = [image('a', ['live-dev2'], 1), image('b', ['live-dev'], 2), image('c', ['release-1.2', 'signed'], 3)];
    const rule = (selection: object) => rules(policy({ selection: { tagStatus: 'tagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1, ...selection } }));
    const expired = (selection: object) => [...expiredDigests(rule(selection), images, 10 * DAY_MS)].sort();
    expect(expired({ tagPatternList: ['live-dev'] })).toEqual(['b']);
    expect(expired({ tagPatternList: ['live-*'] })).toEqual(['a', 'b']);
    expect(expired({ tagPrefixList: ['live-dev'] })).toEqual(['a', 'b']);
    expect(expired({ tagPrefixList: ['release', 'sig'] })).toEqual(['c']);
    expect(expired({ tagPrefixList: ['release', 'live'] })).toEqual([]);
  });

  it('expires by age with sinceImagePushed, counting days', () => {
    const images = [image('old', ['1'], 1), image('new', ['2'], 8)];
    expect([...expiredDigests(rules(policy({ selection: { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 } })), images, 9 * DAY_MS + 1)]).toEqual(['old']);
  });

  it('the repository step\'s policy keeps every live image and the one an approval waits for, and the newest N', () => {
    const images = [
      image('prod', ['abc', 'live-prod'], 1),
      image('waiting', ['def', 'next-prod'], 2),
      image('b1', ['b1'], 3),
      image('b2', ['b2'], 4),
      image('dev', ['b3', 'live-dev'], 5),
    ];
    const expired = expiredDigests(rules(JSON.stringify(lifecyclePolicy(1, ENVIRONMENTS))), images, 10 * DAY_MS);
    expect([...expired].sort()).toEqual(['b1', 'b2']);
  });
});

describe('lifecycle policies applied', () => {
  beforeEach(async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'demo' }));
  });

  it('in instant mode, expire what the rules select at the next call', async () => {
    push(['1', '2', '3']);
    await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'demo', lifecyclePolicyText: policy(keepLast(2)) }));
    expect(await tagsLeft()).toEqual([['2'], ['3']]);
  });

  it('run once every 24 simulated hours from PutLifecyclePolicy, on the images as they are then', async () => {
    const clock = new TestClock();
    env.restart({ msPerSimSecond: 1, clock: clock.now });
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'demo' }));
    await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'demo', lifecyclePolicyText: policy(keepTagged('live-prod'), keepLast(2)) }));
    push(['1', '2', '3', '4'], clock);
    // Past the count for hours: still there until the evaluator's run.
    clock.advance(20 * 3600);
    expect(await tagsLeft()).toHaveLength(4);
    // Before the run, '1' gets the protected tag (a deploy's mark): the run expires only '2'.
    const { images = [] } = await ecr.send(new BatchGetImageCommand({ repositoryName: 'demo', imageIds: [{ imageTag: '1' }] }));
    await ecr.send(new PutImageCommand({ repositoryName: 'demo', imageManifest: images[0]!.imageManifest!, imageTag: 'live-prod' }));
    clock.advance(4 * 3600);
    expect(await tagsLeft()).toEqual([['1', 'live-prod'], ['3'], ['4']]);
  });
});

describe('BatchGetImage and PutImage: the retag', () => {
  beforeEach(async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'demo' }));
    push(['a1', 'b2']);
  });

  const manifestOf = async (imageTag: string) =>
    (await ecr.send(new BatchGetImageCommand({ repositoryName: 'demo', imageIds: [{ imageTag }] }))).images?.[0]?.imageManifest ?? '';

  it('moves a tag from one image to another on a MUTABLE repository', async () => {
    await ecr.send(new PutImageCommand({ repositoryName: 'demo', imageManifest: await manifestOf('a1'), imageTag: 'live-dev' }));
    await ecr.send(new PutImageCommand({ repositoryName: 'demo', imageManifest: await manifestOf('b2'), imageTag: 'live-dev' }));
    expect(await tagsLeft()).toEqual([['a1'], ['b2', 'live-dev']]);
  });

  it('answers ImageAlreadyExistsException for a tag already on that image, ImageTagAlreadyExistsException on an IMMUTABLE repository', async () => {
    await ecr.send(new PutImageCommand({ repositoryName: 'demo', imageManifest: await manifestOf('a1'), imageTag: 'live-dev' }));
    await expect(ecr.send(new PutImageCommand({ repositoryName: 'demo', imageManifest: await manifestOf('a1'), imageTag: 'live-dev' }))).rejects.toMatchObject({
      name: 'ImageAlreadyExistsException',
    });
    await ecr.send(new PutImageTagMutabilityCommand({ repositoryName: 'demo', imageTagMutability: 'IMMUTABLE' }));
    await expect(ecr.send(new PutImageCommand({ repositoryName: 'demo', imageManifest: await manifestOf('b2'), imageTag: 'live-dev' }))).rejects.toMatchObject({
      name: 'ImageTagAlreadyExistsException',
    });
  });

  it('lists an unknown image as a failure, and refuses a manifest it does not hold or a digest that is not the manifest\'s', async () => {
    const got = await ecr.send(new BatchGetImageCommand({ repositoryName: 'demo', imageIds: [{ imageTag: 'nope' }] }));
    expect(got.images).toEqual([]);
    expect(got.failures).toEqual([{ imageId: { imageTag: 'nope' }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' }]);
    await expect(ecr.send(new PutImageCommand({ repositoryName: 'demo', imageManifest: '{"schemaVersion":2}', imageTag: 'x' }))).rejects.toMatchObject({ name: 'LayersNotFoundException' });
    await expect(
      ecr.send(new PutImageCommand({ repositoryName: 'demo', imageManifest: await manifestOf('a1'), imageDigest: `sha256:${'0'.repeat(64)}`, imageTag: 'x' })),
    ).rejects.toMatchObject({ name: 'ImageDigestDoesNotMatchException' });
  });
});

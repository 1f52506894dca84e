// The ECR repository the pipeline's build pushes the image to: named after the stack, scanned on
// push, tags mutable (the buildspec pushes `latest` each time, the pipeline moves `live-<env>`), and
// a lifecycle policy that keeps the last repository.keepImages images and every image an
// environment runs. `destroy` deletes it with its images.
import {
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeRepositoriesCommand,
  GetLifecyclePolicyCommand,
  PutImageScanningConfigurationCommand,
  PutImageTagMutabilityCommand,
  PutLifecyclePolicyCommand,
  type Repository,
} from '@aws-sdk/client-ecr';
import { GONE, isGone } from '../src/aws/gone';
import { unlessNotFound } from '../src/aws/errors';
import { ensure, ignoringGone, remove } from '../src/reconcile';
import type { Step, StepContext } from '../src/step';
import { keptTags } from './lib/live-tags';
import { ecrTags } from './lib/resource-tags';
import { claim, foreignByName, foreignByTags, parseJson, sameJson, tagsNamed } from './lib/owned';

export const KEYS = { repository: 'repository.repository' };

/** The repository is named after the stack. */
export const repositoryName = (stack: string) => stack;

/**
 * Keep the newest `keep` images, and never expire an image an environment runs or an approval
 * waits to deploy: one rule per kept tag (steps/lib/live-tags.ts), each of higher priority than
 * the count, since "an image that matches the tagging requirements of a rule cannot be expired by
 * a rule with a lower priority" (ECR user guide, lifecycle policy evaluation rules). A tag names
 * one image at a time, so a "more than 1" count never expires one of them. A pattern without
 * wildcards matches the tag exactly (a prefix `live-dev` would also match `live-dev2`).
 */
export function lifecyclePolicy(keep: number, environments: ReadonlyArray<{ name: string; approval: boolean }>) {
  const kept = keptTags(environments);
  return {
    rules: [
      ...kept.map((tag, i) => ({
        rulePriority: i + 1,
        description: `keep the image tagged ${tag}`,
        selection: { tagStatus: 'tagged', tagPatternList: [tag], countType: 'imageCountMoreThan', countNumber: 1 },
        action: { type: 'expire' },
      })),
      {
        rulePriority: kept.length + 1,
        description: `keep the last ${keep} images`,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: keep },
        action: { type: 'expire' },
      },
    ],
  };
}

interface RepositoryState extends Repository {
  /** The lifecycle policy, parsed; undefined when it has none. */
  lifecycle?: unknown;
}

export const repository: Step = {
  name: 'repository',
  after: [],

  async reconcile(ctx) {
    await ensureRepository(ctx);
  },

  outputs(state) {
    const uri = state.get(KEYS.repository)?.uri;
    return uri ? [{ key: 'repositoryUri', label: 'image repository', value: uri }] : [];
  },

  async destroy(ctx) {
    await deleteRepository(ctx);
  },
};

async function findRepository(ctx: StepContext, name: string): Promise<Repository | undefined> {
  const out = await unlessNotFound(
    ctx.aws.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] })),
    ...GONE.ecr.repository,
  );
  return out?.repositories?.[0];
}

async function withLifecycle(ctx: StepContext, repo: Repository | undefined): Promise<RepositoryState | undefined> {
  if (!repo) return undefined;
  const policy = await unlessNotFound(
    ctx.aws.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: repo.repositoryName })),
    'LifecyclePolicyNotFoundException',
  );
  return { ...repo, lifecycle: parseJson(policy?.lifecyclePolicyText) };
}

async function ensureRepository(ctx: StepContext): Promise<void> {
  const ecr = ctx.aws.ecr;
  const name = repositoryName(ctx.tags.stack);
  const policy = lifecyclePolicy(ctx.config.repository.keepImages, ctx.config.environments);
  await ensure<RepositoryState>(ctx, {
    key: KEYS.repository,
    kind: `ECR repository ${name}`,
    foreignId: (id) => foreignByName(id, name),
    foreign: () => undefined,
    find: async (id) => withLifecycle(ctx, await findRepository(ctx, id)),
    findByTags: async () => {
      const found = await findRepository(ctx, name);
      return withLifecycle(ctx, found && claim(ctx, 'ECR repository', name, found, await ecrTags(ctx, found.repositoryArn)));
    },
    create: async () => {
      const { repository: created } = await ecr.send(
        new CreateRepositoryCommand({
          repositoryName: name,
          imageTagMutability: 'MUTABLE',
          imageScanningConfiguration: { scanOnPush: true },
          tags: tagsNamed(ctx, name),
        }),
      );
      // The lifecycle policy comes as drift.
      return { ...created! };
    },
    id: (r) => r.repositoryName!,
    attributes: (r) => ({ uri: r.repositoryUri, arn: r.repositoryArn }),
    drift: (r) => [
      ...(r.imageScanningConfiguration?.scanOnPush !== true ? ['scanOnPush'] : []),
      ...(r.imageTagMutability !== 'MUTABLE' ? ['imageTagMutability'] : []),
      // ECR may hand the policy back reformatted: compare what it says, not its text.
      ...(!sameJson(r.lifecycle, policy) ? ['lifecyclePolicy'] : []),
    ],
    update: async (r, changes) => {
      const repositoryName = r.repositoryName;
      if (changes.includes('scanOnPush')) {
        await ecr.send(new PutImageScanningConfigurationCommand({ repositoryName, imageScanningConfiguration: { scanOnPush: true } }));
      }
      if (changes.includes('imageTagMutability')) {
        await ecr.send(new PutImageTagMutabilityCommand({ repositoryName, imageTagMutability: 'MUTABLE' }));
      }
      if (changes.includes('lifecyclePolicy')) {
        await ecr.send(new PutLifecyclePolicyCommand({ repositoryName, lifecyclePolicyText: JSON.stringify(policy) }));
      }
    },
  });
}

async function deleteRepository(ctx: StepContext): Promise<void> {
  const name = repositoryName(ctx.tags.stack);
  await remove(ctx, {
    key: KEYS.repository,
    kind: `ECR repository ${name}`,
    findByTags: async () => {
      const found = await findRepository(ctx, name);
      return found && ctx.tags.owns(await ecrTags(ctx, found.repositoryArn)) ? found : undefined;
    },
    id: (r) => r.repositoryName!,
    // Its name, and its tags (ListTagsForResource: DescribeRepositories has none) before its images go.
    confirm: {
      find: async (id) => {
        if (foreignByName(id, name) !== undefined) return { name: id, tags: [] };
        const found = await findRepository(ctx, id);
        return found && { name: id, tags: (await ecrTags(ctx, found.repositoryArn)) };
      },
      foreign: (r: { name: string; tags: Array<{ Key?: string; Value?: string }> }) => foreignByName(r.name, name) ?? foreignByTags(ctx, r.tags),
    },
    // force: the images go with it.
    delete: (id) =>
      ignoringGone(
        () => ctx.aws.ecr.send(new DeleteRepositoryCommand({ repositoryName: id, force: true })),
        isGone(GONE.ecr.repository),
      ),
  });
}

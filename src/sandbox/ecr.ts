// ECR (simulated): repositories, their images, scanning configuration, lifecycle policy and tags.
//
// Behaviour, as AWS documents it:
// - CreateRepository: name 2–256 chars, lowercase path segments `[a-z0-9]+([._-][a-z0-9]+)*`
//   joined by `/` (InvalidParameterException otherwise); RepositoryAlreadyExistsException when it
//   exists. Defaults: imageTagMutability MUTABLE, scanOnPush false, AES256 encryption. Tags are
//   `[{ Key, Value }]`, at most 50 (TooManyTagsException), a tag without Key →
//   InvalidTagParameterException. repositoryArn `arn:aws:ecr:<region>:<account>:repository/<name>`,
//   repositoryUri `<account>.dkr.ecr.<region>.amazonaws.com/<name>`.
// - DescribeRepositories: all, or repositoryNames (any unknown → RepositoryNotFoundException).
// - DeleteRepository: RepositoryNotEmptyException while it holds images unless `force`.
// - PutImageScanningConfiguration, PutImageTagMutability: update and echo the setting.
// - PutLifecyclePolicy (the text must be JSON with a non-empty `rules` array whose rules have a
//   rulePriority, a selection and an `expire` action → InvalidParameterException otherwise),
//   GetLifecyclePolicy / DeleteLifecyclePolicy (LifecyclePolicyNotFoundException when none).
//   The policy is stored, never applied: images do not expire in the sandbox.
// - Images: DescribeImages (imageIds, any unknown → ImageNotFoundException; filter.tagStatus),
//   ListImages (one imageId per tag; untagged images by digest only), BatchDeleteImage (by digest:
//   the image and all its tags; by tag: the tag, and the image with its last tag; unknown →
//   failures ImageNotFound, neither → MissingDigestAndTag, tag on another digest →
//   ImageTagDoesNotMatchDigest).
// - Tags: TagResource / UntagResource / ListTagsForResource by repository ARN (not an ECR
//   repository ARN → InvalidParameterException; unknown → RepositoryNotFoundException).
// - Non-AWS helper: pushImage(repositoryName, tag) stands in for a build pushing an image. On an
//   IMMUTABLE repository an existing tag → ImageTagAlreadyExistsException; on a MUTABLE one the
//   tag moves to the new image and the old image stays, untagged (as `docker push` does).
// - inventory(): one `repository` per repository, keyed by its name.
import {
  ImageNotFoundException,
  ImageTagAlreadyExistsException,
  InvalidParameterException,
  InvalidTagParameterException,
  LifecyclePolicyNotFoundException,
  RepositoryAlreadyExistsException,
  RepositoryNotEmptyException,
  RepositoryNotFoundException,
  TooManyTagsException,
  type BatchDeleteImageCommandInput,
  type BatchDeleteImageCommandOutput,
  type CreateRepositoryCommandInput,
  type CreateRepositoryCommandOutput,
  type DeleteLifecyclePolicyCommandInput,
  type DeleteLifecyclePolicyCommandOutput,
  type DeleteRepositoryCommandInput,
  type DeleteRepositoryCommandOutput,
  type DescribeImagesCommandInput,
  type DescribeImagesCommandOutput,
  type DescribeRepositoriesCommandInput,
  type DescribeRepositoriesCommandOutput,
  type EncryptionType,
  type GetLifecyclePolicyCommandInput,
  type GetLifecyclePolicyCommandOutput,
  type ImageDetail,
  type ImageFailure,
  type ImageIdentifier,
  type ImageTagMutability,
  type ListImagesCommandInput,
  type ListImagesCommandOutput,
  type ListTagsForResourceCommandInput,
  type ListTagsForResourceCommandOutput,
  type PutImageScanningConfigurationCommandInput,
  type PutImageScanningConfigurationCommandOutput,
  type PutImageTagMutabilityCommandInput,
  type PutImageTagMutabilityCommandOutput,
  type PutLifecyclePolicyCommandInput,
  type PutLifecyclePolicyCommandOutput,
  type Repository,
  type TagResourceCommandInput,
  type TagResourceCommandOutput,
  type TagStatus,
  type UntagResourceCommandInput,
  type UntagResourceCommandOutput,
} from '@aws-sdk/client-ecr';
import { createHash } from 'node:crypto';
import { SandboxService, type Out } from './service';
import { tagsToList, type InventoryItem, type Tags } from './world';

const REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const MAX_TAGS = 50;
const MANIFEST_MEDIA_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';

interface ImageRecord {
  /** `sha256:<64 hex>`. */
  digest: string;
  tags: string[];
  /** Epoch milliseconds. */
  pushedAt: number;
  sizeInBytes: number;
}

interface RepositoryRecord {
  name: string;
  /** Epoch milliseconds. */
  createdAt: number;
  imageTagMutability: ImageTagMutability;
  scanOnPush: boolean;
  encryptionType: EncryptionType;
  kmsKey?: string;
  lifecyclePolicyText?: string;
  tags: Tags;
  /** In push order. */
  images: ImageRecord[];
}

export interface EcrData {
  /** By repository name. */
  repositories: Record<string, RepositoryRecord>;
}

export class EcrSandbox extends SandboxService<EcrData> {
  readonly service = 'ecr' as const;

  static empty(): EcrData {
    return { repositories: {} };
  }

  // ---- Repositories ----------------------------------------------------------------------------

  createRepository(input: CreateRepositoryCommandInput): Out<CreateRepositoryCommandOutput> {
    const name = input.repositoryName ?? '';
    if (name.length < 2 || name.length > 256 || !REPOSITORY_NAME.test(name)) {
      throw new InvalidParameterException({
        message: `Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''`,
        $metadata: {},
      });
    }
    if (this.data.repositories[name]) {
      throw new RepositoryAlreadyExistsException({
        message: `The repository with name '${name}' already exists in the registry with id '${this.world.account}'`,
        $metadata: {},
      });
    }
    const tags = this.mergeTags({}, input.tags);
    const repository: RepositoryRecord = {
      name,
      createdAt: this.world.nowDate().getTime(),
      imageTagMutability: input.imageTagMutability ?? 'MUTABLE',
      scanOnPush: input.imageScanningConfiguration?.scanOnPush ?? false,
      encryptionType: input.encryptionConfiguration?.encryptionType ?? 'AES256',
      ...(input.encryptionConfiguration?.kmsKey ? { kmsKey: input.encryptionConfiguration.kmsKey } : {}),
      tags,
      images: [],
    };
    this.data.repositories[name] = repository;
    return { repository: this.describeRepository(repository) };
  }

  describeRepositories(input: DescribeRepositoriesCommandInput): Out<DescribeRepositoriesCommandOutput> {
    const repositories = input.repositoryNames
      ? input.repositoryNames.map((name) => this.getRepository(name))
      : Object.values(this.data.repositories);
    return { repositories: repositories.map((r) => this.describeRepository(r)) };
  }

  deleteRepository(input: DeleteRepositoryCommandInput): Out<DeleteRepositoryCommandOutput> {
    const repository = this.getRepository(input.repositoryName);
    if (repository.images.length > 0 && !input.force) {
      throw new RepositoryNotEmptyException({
        message: `The repository with name '${repository.name}' in registry with id '${this.world.account}' cannot be deleted because it still contains images`,
        $metadata: {},
      });
    }
    delete this.data.repositories[repository.name];
    return { repository: this.describeRepository(repository) };
  }

  putImageScanningConfiguration(input: PutImageScanningConfigurationCommandInput): Out<PutImageScanningConfigurationCommandOutput> {
    const repository = this.getRepository(input.repositoryName);
    repository.scanOnPush = input.imageScanningConfiguration?.scanOnPush ?? false;
    return {
      registryId: this.world.account,
      repositoryName: repository.name,
      imageScanningConfiguration: { scanOnPush: repository.scanOnPush },
    };
  }

  putImageTagMutability(input: PutImageTagMutabilityCommandInput): Out<PutImageTagMutabilityCommandOutput> {
    const repository = this.getRepository(input.repositoryName);
    if (input.imageTagMutability !== 'MUTABLE' && input.imageTagMutability !== 'IMMUTABLE') {
      throw new InvalidParameterException({ message: `Invalid parameter at 'imageTagMutability'`, $metadata: {} });
    }
    repository.imageTagMutability = input.imageTagMutability;
    return { registryId: this.world.account, repositoryName: repository.name, imageTagMutability: repository.imageTagMutability };
  }

  // ---- Lifecycle policy ------------------------------------------------------------------------

  putLifecyclePolicy(input: PutLifecyclePolicyCommandInput): Out<PutLifecyclePolicyCommandOutput> {
    const repository = this.getRepository(input.repositoryName);
    const text = input.lifecyclePolicyText ?? '';
    const problem = lifecyclePolicyProblem(text);
    if (problem) {
      throw new InvalidParameterException({
        message: `Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ${problem}'`,
        $metadata: {},
      });
    }
    repository.lifecyclePolicyText = text;
    return { registryId: this.world.account, repositoryName: repository.name, lifecyclePolicyText: text };
  }

  getLifecyclePolicy(input: GetLifecyclePolicyCommandInput): Out<GetLifecyclePolicyCommandOutput> {
    const repository = this.getRepository(input.repositoryName);
    const text = this.getPolicyText(repository);
    return { registryId: this.world.account, repositoryName: repository.name, lifecyclePolicyText: text };
  }

  deleteLifecyclePolicy(input: DeleteLifecyclePolicyCommandInput): Out<DeleteLifecyclePolicyCommandOutput> {
    const repository = this.getRepository(input.repositoryName);
    const text = this.getPolicyText(repository);
    delete repository.lifecyclePolicyText;
    return { registryId: this.world.account, repositoryName: repository.name, lifecyclePolicyText: text };
  }

  // ---- Images ----------------------------------------------------------------------------------

  /**
   * Not an AWS operation: what a pipeline build does with `docker push`. Returns the new image's
   * digest and the URI to run it by.
   */
  pushImage(repositoryName: string, tag: string): { imageDigest: string; imageUri: string } {
    const repository = this.getRepository(repositoryName);
    const holder = repository.images.find((image) => image.tags.includes(tag));
    if (holder && repository.imageTagMutability === 'IMMUTABLE') {
      throw new ImageTagAlreadyExistsException({
        message: `The image tag '${tag}' already exists in the '${repository.name}' repository and cannot be overwritten because the repository is immutable.`,
        $metadata: {},
      });
    }
    if (holder) holder.tags = holder.tags.filter((t) => t !== tag);
    this.world.idCounter += 1;
    const digest = `sha256:${createHash('sha256').update(`${repository.name}:${tag}:${this.world.idCounter}`).digest('hex')}`;
    repository.images.push({
      digest,
      tags: [tag],
      pushedAt: this.world.nowDate().getTime(),
      sizeInBytes: 50_000_000 + (this.world.idCounter % 1000) * 1024,
    });
    return { imageDigest: digest, imageUri: `${this.repositoryUri(repository.name)}:${tag}` };
  }

  describeImages(input: DescribeImagesCommandInput): Out<DescribeImagesCommandOutput> {
    const repository = this.getRepository(input.repositoryName);
    const images = input.imageIds
      ? input.imageIds.map((id) => this.getImage(repository, id))
      : repository.images.filter((image) => matchesTagStatus(image, input.filter?.tagStatus));
    return { imageDetails: images.map((image) => this.describeImage(repository, image)) };
  }

  listImages(input: ListImagesCommandInput): Out<ListImagesCommandOutput> {
    const repository = this.getRepository(input.repositoryName);
    const imageIds: ImageIdentifier[] = repository.images
      .filter((image) => matchesTagStatus(image, input.filter?.tagStatus))
      .flatMap((image) =>
        image.tags.length === 0
          ? [{ imageDigest: image.digest }]
          : image.tags.map((imageTag) => ({ imageDigest: image.digest, imageTag })),
      );
    return { imageIds };
  }

  batchDeleteImage(input: BatchDeleteImageCommandInput): Out<BatchDeleteImageCommandOutput> {
    const repository = this.getRepository(input.repositoryName);
    const imageIds: ImageIdentifier[] = [];
    const failures: ImageFailure[] = [];
    for (const id of input.imageIds ?? []) {
      if (!id.imageDigest && !id.imageTag) {
        failures.push({ imageId: id, failureCode: 'MissingDigestAndTag', failureReason: 'Invalid request parameters: both tag and digest cannot be null' });
        continue;
      }
      const image = this.findImage(repository, id);
      if (!image) {
        failures.push({ imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' });
        continue;
      }
      if (id.imageDigest && id.imageTag && image.digest !== id.imageDigest) {
        failures.push({ imageId: id, failureCode: 'ImageTagDoesNotMatchDigest', failureReason: 'Invalid request parameters: given tag does not map to the given digest' });
        continue;
      }
      if (id.imageTag && !id.imageDigest) {
        // By tag: untag; the image goes with its last tag.
        image.tags = image.tags.filter((t) => t !== id.imageTag);
        if (image.tags.length === 0) repository.images = repository.images.filter((i) => i !== image);
        imageIds.push({ imageDigest: image.digest, imageTag: id.imageTag });
      } else {
        repository.images = repository.images.filter((i) => i !== image);
        imageIds.push({ imageDigest: image.digest, ...(id.imageTag ? { imageTag: id.imageTag } : {}) });
      }
    }
    return { imageIds, failures };
  }

  // ---- Tags ------------------------------------------------------------------------------------

  tagResource(input: TagResourceCommandInput): Out<TagResourceCommandOutput> {
    const repository = this.repositoryByArn(input.resourceArn);
    repository.tags = this.mergeTags(repository.tags, input.tags);
    return {};
  }

  untagResource(input: UntagResourceCommandInput): Out<UntagResourceCommandOutput> {
    const repository = this.repositoryByArn(input.resourceArn);
    for (const key of input.tagKeys ?? []) delete repository.tags[key];
    return {};
  }

  listTagsForResource(input: ListTagsForResourceCommandInput): Out<ListTagsForResourceCommandOutput> {
    return { tags: tagsToList(this.repositoryByArn(input.resourceArn).tags) };
  }

  // ---- Inventory -------------------------------------------------------------------------------

  inventory(): InventoryItem[] {
    return Object.values(this.data.repositories).map((r) => ({
      service: 'ecr',
      type: 'repository',
      id: r.name,
      tags: { ...r.tags },
      key: r.name,
    }));
  }

  // ---- Helpers ---------------------------------------------------------------------------------

  repositoryArn(name: string): string {
    return this.world.arn('ecr', `repository/${name}`);
  }

  repositoryUri(name: string): string {
    return `${this.world.account}.dkr.ecr.${this.world.region}.amazonaws.com/${name}`;
  }

  private describeRepository(r: RepositoryRecord): Repository {
    return {
      repositoryArn: this.repositoryArn(r.name),
      registryId: this.world.account,
      repositoryName: r.name,
      repositoryUri: this.repositoryUri(r.name),
      createdAt: new Date(r.createdAt),
      imageTagMutability: r.imageTagMutability,
      imageScanningConfiguration: { scanOnPush: r.scanOnPush },
      encryptionConfiguration: { encryptionType: r.encryptionType, ...(r.kmsKey ? { kmsKey: r.kmsKey } : {}) },
    };
  }

  private describeImage(repository: RepositoryRecord, image: ImageRecord): ImageDetail {
    return {
      registryId: this.world.account,
      repositoryName: repository.name,
      imageDigest: image.digest,
      ...(image.tags.length > 0 ? { imageTags: [...image.tags] } : {}),
      imageSizeInBytes: image.sizeInBytes,
      imagePushedAt: new Date(image.pushedAt),
      imageManifestMediaType: MANIFEST_MEDIA_TYPE,
      artifactMediaType: 'application/vnd.docker.container.image.v1+json',
      ...(repository.scanOnPush ? { imageScanStatus: { status: 'COMPLETE', description: 'The scan was completed successfully.' } } : {}),
    };
  }

  private getRepository(name: string | undefined): RepositoryRecord {
    const repository = name === undefined ? undefined : this.data.repositories[name];
    if (!repository) {
      throw new RepositoryNotFoundException({
        message: `The repository with name '${name ?? ''}' does not exist in the registry with id '${this.world.account}'`,
        $metadata: {},
      });
    }
    return repository;
  }

  private repositoryByArn(arn: string | undefined): RepositoryRecord {
    const prefix = this.repositoryArn('');
    if (arn === undefined || !arn.startsWith(prefix) || arn.length === prefix.length) {
      throw new InvalidParameterException({ message: `Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN'`, $metadata: {} });
    }
    return this.getRepository(arn.slice(prefix.length));
  }

  private findImage(repository: RepositoryRecord, id: ImageIdentifier): ImageRecord | undefined {
    if (id.imageTag) return repository.images.find((image) => image.tags.includes(id.imageTag ?? ''));
    if (id.imageDigest) return repository.images.find((image) => image.digest === id.imageDigest);
    return undefined;
  }

  private getImage(repository: RepositoryRecord, id: ImageIdentifier): ImageRecord {
    const image = this.findImage(repository, id);
    if (!image || (id.imageDigest && image.digest !== id.imageDigest)) {
      throw new ImageNotFoundException({
        message: `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${repository.name}' in the registry with id '${this.world.account}'`,
        $metadata: {},
      });
    }
    return image;
  }

  private getPolicyText(repository: RepositoryRecord): string {
    if (repository.lifecyclePolicyText === undefined) {
      throw new LifecyclePolicyNotFoundException({
        message: `Lifecycle policy does not exist for the repository with name '${repository.name}' in the registry with id '${this.world.account}'`,
        $metadata: {},
      });
    }
    return repository.lifecyclePolicyText;
  }

  private mergeTags(existing: Tags, list: ReadonlyArray<{ Key?: string; Value?: string }> | undefined): Tags {
    const merged = { ...existing };
    for (const tag of list ?? []) {
      if (!tag.Key) throw new InvalidTagParameterException({ message: 'Invalid parameter: tag key must not be empty', $metadata: {} });
      merged[tag.Key] = tag.Value ?? '';
    }
    if (Object.keys(merged).length > MAX_TAGS) {
      throw new TooManyTagsException({ message: `A repository can have no more than ${MAX_TAGS} tags`, $metadata: {} });
    }
    return merged;
  }
}

function matchesTagStatus(image: ImageRecord, status: TagStatus | undefined): boolean {
  if (status === 'TAGGED') return image.tags.length > 0;
  if (status === 'UNTAGGED') return image.tags.length === 0;
  return true;
}

/** Why a lifecycle policy text would be refused, or undefined when it is acceptable. */
function lifecyclePolicyProblem(text: string): string | undefined {
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch {
    return 'the policy is not valid JSON';
  }
  const rules = (policy as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(rules) || rules.length === 0) return 'the policy must have a non-empty "rules" array';
  for (const rule of rules as Array<Record<string, unknown> | null>) {
    if (typeof rule?.rulePriority !== 'number') return 'each rule needs a numeric "rulePriority"';
    if (typeof rule.selection !== 'object' || rule.selection === null) return 'each rule needs a "selection"';
    if ((rule.action as { type?: unknown } | undefined)?.type !== 'expire') return 'each rule needs an "action" of type "expire"';
  }
  return undefined;
}

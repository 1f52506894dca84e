// ECR (simulated): repositories, their images, scanning configuration, lifecycle policy and tags.
//
// Behaviour, as AWS documents it:
// - CreateRepository: name 2–256 chars, lowercase path segments `[a-z0-9]+([._-][a-z0-9]+)*`
//   joined by `/` (InvalidParameterException otherwise); RepositoryAlreadyExistsException when it
//   exists. Defaults: imageTagMutability MUTABLE, scanOnPush false, AES256 encryption. Tags are
//   `[{ Key, Value }]`, at most 50 (TooManyTagsException), a tag without Key →
//   InvalidTagParameterException. repositoryArn `arn:aws:ecr:<region>:<account>:repository/<name>`,
//   repositoryUri `<account>.dkr.ecr.<region>.amazonaws.com/<name>`.
// - DescribeRepositories: all, sorted by name and paged (maxResults 1–1000, default 100, nextToken),
//   or repositoryNames (any unknown → RepositoryNotFoundException; no page size or token with them).
// - DeleteRepository: RepositoryNotEmptyException while it holds images unless `force`.
// - PutImageScanningConfiguration, PutImageTagMutability: update and echo the setting.
// - PutLifecyclePolicy checks the policy as ECR does (ecr-lifecycle.ts: priorities unique, `any`
//   last, tagged rules with a prefix or pattern list, counts …) → InvalidParameterException
//   "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy
//   validation failure: …'"; GetLifecyclePolicy / DeleteLifecyclePolicy
//   (LifecyclePolicyNotFoundException when none).
// - The policy is applied: ECR says affected images expire "within 24 hours", so the evaluator runs
//   for a repository once every `ecr.lifecycle` simulated seconds (24 h; every call in instant
//   mode), counted from PutLifecyclePolicy, and deletes at once what the rules select in the
//   repository as it is then, rule priority included. It knows nothing of what runs (no ECR rule
//   does: containers-roadmap#1078).
// - BatchGetImage (by tag or digest; unknown → failures ImageNotFound) returns each image's
//   manifest; PutImage with a manifest this repository holds adds `imageTag` to that image (the
//   retag of the ECR user guide): the tag leaves another image on a MUTABLE repository,
//   ImageTagAlreadyExistsException on an IMMUTABLE one, ImageAlreadyExistsException when the image
//   already has the tag (or no tag is given), ImageDigestDoesNotMatchException when `imageDigest`
//   is not the manifest's, LayersNotFoundException for a manifest whose layers were never pushed.
// - Images: DescribeImages and ListImages page as DescribeRepositories (not with imageIds);
//   DescribeImages (imageIds, any unknown → ImageNotFoundException; filter.tagStatus),
//   ListImages (one imageId per tag; untagged images by digest only), BatchDeleteImage (by digest:
//   the image and all its tags; by tag: the tag, and the image with its last tag; unknown →
//   failures ImageNotFound, neither → MissingDigestAndTag, tag on another digest →
//   ImageTagDoesNotMatchDigest).
// - Tags: TagResource / UntagResource / ListTagsForResource by repository ARN (not an ECR
//   repository ARN → InvalidParameterException; unknown → RepositoryNotFoundException).
// - Non-AWS helper: pushImage(repositoryName, tag, architecture?) stands in for a build pushing an
//   image (built for `architecture`, arm64 by default). On an IMMUTABLE repository an existing tag
//   → ImageTagAlreadyExistsException; on a MUTABLE one the tag moves to the new image and the old
//   image stays, untagged (as `docker push` does). imageArchitecture(uri) says what an image of
//   this registry was built for, or `missing` (undefined for another registry's image).
// - inventory(): one `repository` per repository, keyed by its name.
import {
  ImageAlreadyExistsException,
  ImageDigestDoesNotMatchException,
  ImageNotFoundException,
  ImageTagAlreadyExistsException,
  LayersNotFoundException,
  InvalidParameterException,
  InvalidTagParameterException,
  LifecyclePolicyNotFoundException,
  RepositoryAlreadyExistsException,
  RepositoryNotEmptyException,
  RepositoryNotFoundException,
  TooManyTagsException,
  type BatchDeleteImageCommandInput,
  type BatchDeleteImageCommandOutput,
  type BatchGetImageCommandInput,
  type BatchGetImageCommandOutput,
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
  type Image,
  type ImageFailure,
  type ImageIdentifier,
  type ImageTagMutability,
  type ListImagesCommandInput,
  type ListImagesCommandOutput,
  type ListTagsForResourceCommandInput,
  type ListTagsForResourceCommandOutput,
  type PutImageCommandInput,
  type PutImageCommandOutput,
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
import { expiredDigests, parseLifecyclePolicy } from './ecr-lifecycle';
import { type InventoryItem, type Out, SandboxService } from '../kernel/service';
import { pageOf, type PageLimits } from '../kernel/pages';
import { type Tags, tagsToList } from '../kernel/tags';

const REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const MAX_TAGS = 50;
const MANIFEST_MEDIA_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';

/** What an image was built for, as a manifest's platform names it. */
export type ImageArchitecture = 'arm64' | 'amd64';

interface ImageRecord {
  /** `sha256:<64 hex>` of the manifest. */
  digest: string;
  manifest: string;
  architecture: ImageArchitecture;
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
  /** Simulated seconds: when the lifecycle evaluator next runs for this repository. */
  lifecycleRunAt?: number;
  tags: Tags;
  /** In push order. */
  images: ImageRecord[];
}

export interface EcrData {
  /** By repository name. */
  repositories: Record<string, RepositoryRecord>;
}

/** ECR's list pages: maxResults 1–1000, 100 when not given; a bad nextToken is an InvalidParameterException. */
const ecrPages = (operation: string): PageLimits => ({
  operation,
  awsDefault: 100,
  awsMax: 1000,
  invalid: (message) => new InvalidParameterException({ message, $metadata: {} }),
});

/** maxResults and nextToken cannot be used with a list of names or image IDs. */
function onlyUnpaged(input: { maxResults?: number; nextToken?: string }, list: string): void {
  if (input.maxResults !== undefined || input.nextToken !== undefined) {
    throw new InvalidParameterException({ message: `Invalid parameter: maxResults and nextToken cannot be used with ${list}`, $metadata: {} });
  }
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
    if (input.repositoryNames) {
      onlyUnpaged(input, 'repositoryNames');
      return { repositories: input.repositoryNames.map((name) => this.getRepository(name)).map((r) => this.describeRepository(r)) };
    }
    const repositories = Object.values(this.data.repositories).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const page = pageOf(this.world, repositories, { max: input.maxResults, token: input.nextToken }, ecrPages('DescribeRepositories'));
    return { repositories: page.items.map((r) => this.describeRepository(r)), ...(page.next ? { nextToken: page.next } : {}) };
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
    const parsed = parseLifecyclePolicy(text);
    if ('problem' in parsed) {
      throw new InvalidParameterException({
        message: `Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ${parsed.problem}'`,
        $metadata: {},
      });
    }
    repository.lifecyclePolicyText = text;
    repository.lifecycleRunAt = this.world.readyAt('ecr.lifecycle');
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
    delete repository.lifecycleRunAt;
    return { registryId: this.world.account, repositoryName: repository.name, lifecyclePolicyText: text };
  }

  // ---- Images ----------------------------------------------------------------------------------

  /**
   * Not an AWS operation: what a pipeline build does with `docker push`. Returns the new image's
   * digest and the URI to run it by.
   */
  pushImage(repositoryName: string, tag: string, architecture: ImageArchitecture = 'arm64'): { imageDigest: string; imageUri: string } {
    const repository = this.getRepository(repositoryName);
    const holder = repository.images.find((image) => image.tags.includes(tag));
    if (holder && repository.imageTagMutability === 'IMMUTABLE') throw this.tagAlreadyExists(repository, tag);
    if (holder) holder.tags = holder.tags.filter((t) => t !== tag);
    this.world.idCounter += 1;
    const layer = createHash('sha256').update(`${repository.name}:${tag}:${this.world.idCounter}`).digest('hex');
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_MEDIA_TYPE,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 1469, digest: `sha256:${layer}` },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 50_000_000, digest: `sha256:${layer}` }],
    });
    const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    repository.images.push({
      digest,
      manifest,
      architecture,
      tags: [tag],
      pushedAt: this.world.nowDate().getTime(),
      sizeInBytes: 50_000_000 + (this.world.idCounter % 1000) * 1024,
    });
    return { imageDigest: digest, imageUri: `${this.repositoryUri(repository.name)}:${tag}` };
  }

  /**
   * Not an AWS operation: what the image at `uri` (`<registry>/<name>:<tag>` or `@<digest>`) was
   * built for; `missing` when this registry holds no such image (a pull would fail), undefined for
   * another registry's image.
   */
  imageArchitecture(uri: string): ImageArchitecture | 'missing' | undefined {
    const prefix = `${this.repositoryUri('')}`;
    if (!uri.startsWith(prefix)) return undefined;
    const rest = uri.slice(prefix.length);
    const at = rest.indexOf('@');
    const colon = rest.lastIndexOf(':');
    const [name, id] = at >= 0 ? [rest.slice(0, at), { imageDigest: rest.slice(at + 1) }] : colon >= 0 ? [rest.slice(0, colon), { imageTag: rest.slice(colon + 1) }] : [rest, { imageTag: 'latest' }];
    const repository = this.data.repositories[name];
    if (!repository) return 'missing';
    this.runLifecycle(repository);
    return this.findImage(repository, id)?.architecture ?? 'missing';
  }

  batchGetImage(input: BatchGetImageCommandInput): Out<BatchGetImageCommandOutput> {
    const repository = this.getRepository(input.repositoryName);
    const images: Image[] = [];
    const failures: ImageFailure[] = [];
    for (const id of input.imageIds ?? []) {
      const image = this.findImage(repository, id);
      if (!image || (id.imageDigest && image.digest !== id.imageDigest)) {
        failures.push({ imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' });
        continue;
      }
      images.push({
        registryId: this.world.account,
        repositoryName: repository.name,
        imageId: { imageDigest: image.digest, ...(id.imageTag ? { imageTag: id.imageTag } : {}) },
        imageManifest: image.manifest,
        imageManifestMediaType: MANIFEST_MEDIA_TYPE,
      });
    }
    return { images, failures };
  }

  putImage(input: PutImageCommandInput): Out<PutImageCommandOutput> {
    const repository = this.getRepository(input.repositoryName);
    const manifest = input.imageManifest ?? '';
    const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    if (input.imageDigest !== undefined && input.imageDigest !== digest) {
      throw new ImageDigestDoesNotMatchException({
        message: `Invalid parameter at 'imageDigest' failed to satisfy constraint: 'The calculated digest ${digest} does not match the provided digest ${input.imageDigest}'`,
        $metadata: {},
      });
    }
    const image = repository.images.find((i) => i.digest === digest);
    if (!image) {
      throw new LayersNotFoundException({ message: `The specified layers could not be found in the repository with name '${repository.name}'`, $metadata: {} });
    }
    const tag = input.imageTag;
    if (tag === undefined || image.tags.includes(tag)) {
      throw new ImageAlreadyExistsException({
        message: `Image with digest '${digest}' and tag '${tag ?? 'null'}' already exists in the repository with name '${repository.name}' in registry with id '${this.world.account}'`,
        $metadata: {},
      });
    }
    const holder = repository.images.find((i) => i.tags.includes(tag));
    if (holder && repository.imageTagMutability === 'IMMUTABLE') throw this.tagAlreadyExists(repository, tag);
    if (holder) holder.tags = holder.tags.filter((t) => t !== tag);
    image.tags.push(tag);
    return {
      image: {
        registryId: this.world.account,
        repositoryName: repository.name,
        imageId: { imageDigest: digest, imageTag: tag },
        imageManifest: manifest,
        imageManifestMediaType: MANIFEST_MEDIA_TYPE,
      },
    };
  }

  describeImages(input: DescribeImagesCommandInput): Out<DescribeImagesCommandOutput> {
    const repository = this.getRepository(input.repositoryName);
    if (input.imageIds) {
      onlyUnpaged(input, 'imageIds');
      return { imageDetails: input.imageIds.map((id) => this.describeImage(repository, this.getImage(repository, id))) };
    }
    const images = repository.images.filter((image) => matchesTagStatus(image, input.filter?.tagStatus));
    const scope = `${repository.name}\n${input.filter?.tagStatus ?? ''}`;
    const page = pageOf(this.world, images, { max: input.maxResults, token: input.nextToken, scope }, ecrPages('DescribeImages'));
    return { imageDetails: page.items.map((image) => this.describeImage(repository, image)), ...(page.next ? { nextToken: page.next } : {}) };
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
    const scope = `${repository.name}\n${input.filter?.tagStatus ?? ''}`;
    const page = pageOf(this.world, imageIds, { max: input.maxResults, token: input.nextToken, scope }, ecrPages('ListImages'));
    return { imageIds: page.items, ...(page.next ? { nextToken: page.next } : {}) };
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
    this.runLifecycle(repository);
    return repository;
  }

  /**
   * The lifecycle evaluator's run, when its time has come: the images the policy selects now go at
   * once. It runs every `ecr.lifecycle` seconds (every call in instant mode).
   */
  private runLifecycle(repository: RepositoryRecord): void {
    const text = repository.lifecyclePolicyText;
    const runAt = repository.lifecycleRunAt;
    if (text === undefined || runAt === undefined || !this.world.isPast(runAt)) return;
    const period = this.world.readyAt('ecr.lifecycle') - this.world.now();
    repository.lifecycleRunAt = period > 0 ? runAt + period * (Math.floor((this.world.now() - runAt) / period) + 1) : this.world.now();
    const parsed = parseLifecyclePolicy(text);
    if (!('rules' in parsed)) return;
    const nowMs = this.world.nowDate().getTime();
    const expired = expiredDigests(parsed.rules, repository.images, nowMs);
    if (expired.size > 0) repository.images = repository.images.filter((image) => !expired.has(image.digest));
  }

  private tagAlreadyExists(repository: RepositoryRecord, tag: string): ImageTagAlreadyExistsException {
    return new ImageTagAlreadyExistsException({
      message: `The image tag '${tag}' already exists in the '${repository.name}' repository and cannot be overwritten because the repository is immutable.`,
      $metadata: {},
    });
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

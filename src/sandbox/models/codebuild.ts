// CodeBuild (simulated): build projects, and the builds a pipeline (or StartBuild) runs on them.
//
// Behaviour, as AWS documents it:
// - CreateProject: name `[A-Za-z0-9][A-Za-z0-9\-_]{1,254}` (InvalidInputException otherwise);
//   ResourceAlreadyExistsException when it exists; AccountLimitExceededException past 5000
//   projects. Source type CODEPIPELINE or NO_SOURCE (which needs a buildspec); artifacts
//   CODEPIPELINE or NO_ARTIFACTS, and CODEPIPELINE on one side needs it on the other ("Invalid
//   input: when using CodePipeline both sourceType, and artifactType must be set to:
//   CODEPIPELINE"); no badge on a CODEPIPELINE source. Environment LINUX_CONTAINER or ARM_CONTAINER
//   with a BUILD_GENERAL1_* compute type and an image; privilegedMode default false; environment
//   variables need a name not starting with CODEBUILD_, type PLAINTEXT (default), PARAMETER_STORE or
//   SECRETS_MANAGER. serviceRole must be the ARN of an IAM role that exists, else
//   InvalidInputException "CodeBuild is not authorized to perform: sts:AssumeRole on <arn>" (also
//   AWS's answer while a new role has not propagated). timeoutInMinutes 5–2160 (default 60),
//   queuedTimeoutInMinutes 5–480 (default 480). logsConfig: CloudWatch Logs ENABLED by default
//   (groupName/streamName optional), S3 logs DISABLED. Tags `[{ key, value }]`, at most 50, keys
//   1–127 characters. ARN `arn:aws:codebuild:<region>:<account>:project/<name>`.
// - BatchGetProjects: names or ARNs → projects, unknown ones in projectsNotFound.
// - UpdateProject: any field of CreateProject, validated the same way; `tags` replaces the tags.
//   Unknown → ResourceNotFoundException "Project cannot be found: <arn>".
// - DeleteProject: idempotent (no error when missing), as AWS; the project's builds stay readable.
// - ListProjects: names, sortBy NAME (default) | CREATED_TIME | LAST_MODIFIED_TIME, sortOrder
//   ASCENDING (default) | DESCENDING; 100 names a page with nextToken (another sort's token →
//   InvalidInputException). BatchGetProjects takes at most 100 names.
// - StartBuild: projectName (name or ARN; unknown → ResourceNotFoundException), sourceVersion;
//   id `<project>:<uuid>`, buildNumber counting per project. A build is IN_PROGRESS (the StartBuild
//   answer says currentPhase QUEUED) until `codebuild.build` has passed, its currentPhase moving
//   through AWS's phases meanwhile, then SUCCEEDED (currentPhase COMPLETED, every phase listed).
//   What the buildspec does is simulated: when the project has the environment variable
//   ECR_REPOSITORY_URL, a succeeding build pushes an image to that ECR repository (the URL's path
//   after the registry host), tagged with the first 7 characters of the source version (`latest`
//   without one); a failed push (no such repository, an immutable tag) fails the build in
//   POST_BUILD. BatchGetBuilds: ids → builds, unknown ones in buildsNotFound.
//   ListBuildsForProject: ids, newest first (sortOrder ASCENDING reverses).
// - Non-AWS helpers: simulateBuildFailure(projectName) makes the project's next build fail in its
//   BUILD phase; startPipelineBuild / pipelineBuildResult are how the CodePipeline model runs a
//   CodeBuild action (a build starting at a given simulated time, with the action's
//   EnvironmentVariables laid over the project's and the image its input artifact names, and its
//   outcome with the image it pushed and the CONTAINER_NAME variable of the build's environment).
// - A curated image (`aws/codebuild/…`) runs on one architecture: an `aarch64` image needs
//   ARM_CONTAINER, any other LINUX_CONTAINER; CreateProject/UpdateProject refuse a mismatch with
//   InvalidInputException "AWS CodeBuild curated image <image> is not supported for projects with
//   environment type <type> and compute type <computeType>". An image a build pushes is built for
//   its environment's architecture (ARM_CONTAINER → arm64, LINUX_CONTAINER → amd64).
// - shipline's mark buildspec is simulated too: a build whose variables hold MARK_TAG moves that
//   tag onto the image its input artifact names (BatchGetImage, then PutImage of that manifest with
//   the tag; ImageAlreadyExistsException, the tag already there, is success) instead of pushing; a
//   missing image or a refused PutImage fails it in BUILD.
// - A project's cache is NO_CACHE or LOCAL with one or more modes (LOCAL_DOCKER_LAYER_CACHE,
//   LOCAL_SOURCE_CACHE, LOCAL_CUSTOM_CACHE); modes on NO_CACHE, none on LOCAL, or another mode →
//   InvalidInputException. BatchGetProjects reports it. (It does not make the simulated builds faster.)
// - inventory(): one `project` per project, keyed by its name.
// - Not modelled: other source/artifact types (GITHUB, S3 …), secondary sources and artifacts,
//   VPC config, S3 caches, file systems, batch builds, fleets, webhooks, reports,
//   StopBuild, build timeouts, environment overrides in StartBuild.
import {
  AccountLimitExceededException,
  InvalidInputException,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  type BatchGetBuildsCommandInput,
  type BatchGetBuildsCommandOutput,
  type BatchGetProjectsCommandInput,
  type BatchGetProjectsCommandOutput,
  type Build,
  type BuildPhase,
  type BuildPhaseType,
  type ComputeType,
  type CreateProjectCommandInput,
  type CreateProjectCommandOutput,
  type DeleteProjectCommandInput,
  type DeleteProjectCommandOutput,
  type EnvironmentType,
  type EnvironmentVariableType,
  type ListBuildsForProjectCommandInput,
  type ListBuildsForProjectCommandOutput,
  type ListProjectsCommandInput,
  type ListProjectsCommandOutput,
  type LogsConfig,
  type LogsConfigStatusType,
  type Project,
  type ProjectArtifacts,
  type ProjectCache,
  type CacheMode,
  type ProjectEnvironment,
  type ProjectSource,
  type StartBuildCommandInput,
  type StartBuildCommandOutput,
  type StatusType,
  type Tag,
  type UpdateProjectCommandInput,
  type UpdateProjectCommandOutput,
} from '@aws-sdk/client-codebuild';
import { SandboxNotModelled } from '../kernel/errors';
import { type InventoryItem, type Out, SandboxService } from '../kernel/service';
import { pageOf, type PageLimits } from '../kernel/pages';
import type { Tags } from '../kernel/tags';
import type { SandboxWorld } from '../kernel/world';
import type { EcrSandbox } from './ecr';
import type { IamSandbox } from './iam';
import { buildLogEvents } from './codebuild-log';
import type { LogsSandbox } from './logs';
import { checkServiceWork } from './service-work';

const PROJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9\-_]{1,254}$/;
const MAX_PROJECTS = 5000;
const MAX_TAGS = 50;
const ENVIRONMENT_TYPES: readonly EnvironmentType[] = ['LINUX_CONTAINER', 'ARM_CONTAINER'];
const COMPUTE_TYPES: readonly ComputeType[] = [
  'BUILD_GENERAL1_SMALL', 'BUILD_GENERAL1_MEDIUM', 'BUILD_GENERAL1_LARGE', 'BUILD_GENERAL1_XLARGE', 'BUILD_GENERAL1_2XLARGE',
];
const VARIABLE_TYPES: readonly EnvironmentVariableType[] = ['PLAINTEXT', 'PARAMETER_STORE', 'SECRETS_MANAGER'];
/** The phases a build goes through, in order; COMPLETED is where a finished build rests. */
const PHASES: readonly BuildPhaseType[] = [
  'SUBMITTED', 'QUEUED', 'PROVISIONING', 'DOWNLOAD_SOURCE', 'INSTALL', 'PRE_BUILD', 'BUILD', 'POST_BUILD', 'UPLOAD_ARTIFACTS', 'FINALIZING',
];
/** The simulated buildspec's conventions: where it pushes the image, and the container it names. */
const REPOSITORY_VARIABLE = 'ECR_REPOSITORY_URL';
const CONTAINER_VARIABLE = 'CONTAINER_NAME';
/** shipline's mark buildspec: the tag it moves onto the input artifact's image. */
const MARK_VARIABLE = 'MARK_TAG';
const SANDBOX_CALLER = 'sandbox';

// ---- Stored records ---------------------------------------------------------------------------

interface SourceRecord {
  type: 'CODEPIPELINE' | 'NO_SOURCE';
  buildspec?: string;
}

interface EnvironmentRecord {
  type: EnvironmentType;
  image: string;
  computeType: ComputeType;
  privilegedMode: boolean;
  imagePullCredentialsType: 'CODEBUILD' | 'SERVICE_ROLE';
  variables: Array<{ name: string; value: string; type: EnvironmentVariableType }>;
}

interface LogsRecord {
  status: LogsConfigStatusType;
  groupName?: string;
  streamName?: string;
}

interface CacheRecord {
  type: 'NO_CACHE' | 'LOCAL';
  modes: string[];
}

interface ProjectRecord {
  name: string;
  arn: string;
  description?: string;
  source: SourceRecord;
  artifacts: 'CODEPIPELINE' | 'NO_ARTIFACTS';
  environment: EnvironmentRecord;
  serviceRole: string;
  timeoutInMinutes: number;
  queuedTimeoutInMinutes: number;
  logs: LogsRecord;
  /** NO_CACHE or LOCAL with its modes; absent (a world file from before caches) is NO_CACHE. */
  cache?: CacheRecord;
  tags: Tags;
  /** Simulated seconds. */
  createdAt: number;
  modifiedAt: number;
  /** Builds started so far (the next buildNumber is this + 1). */
  buildCount: number;
  /** The next builds fail in BUILD (simulateBuildFailure). */
  failNextBuilds: number;
}

interface BuildRecord {
  id: string;
  /** The pipeline's artifact bucket the build reads its source from and writes its output to. */
  artifactBucket?: string;
  arn: string;
  projectName: string;
  buildNumber: number;
  sourceVersion?: string;
  /** Simulated seconds. */
  startedAt: number;
  endsAt: number;
  status: StatusType;
  /** Decided at start: the build fails in BUILD. */
  failsInBuild: boolean;
  /** Where and why it failed, once it did. */
  failedPhase?: BuildPhaseType;
  failureMessage?: string;
  /** The project as it was when the build started. */
  source: SourceRecord;
  environment: EnvironmentRecord;
  serviceRole: string;
  timeoutInMinutes: number;
  queuedTimeoutInMinutes: number;
  logs: LogsRecord;
  /** What the simulated buildspec pushed. */
  imageUri?: string;
  /** The image the input artifact names (imagespec.json / imageDetail.json), for the mark buildspec. */
  inputImageUri?: string;
}

export interface CodeBuildData {
  /** By project name. */
  projects: Record<string, ProjectRecord>;
  /** By build id, in start order. */
  builds: Record<string, BuildRecord>;
}

/** What a pipeline's CodeBuild action learns from its build. */
export interface PipelineBuildResult {
  status: StatusType;
  /** Why it failed, as the action's summary says. */
  message?: string;
  imageUri?: string;
  containerName?: string;
}

/** The services this one calls, as AWS's own services call each other (given at construction). */
export type CodeBuildPeers = { ecr: EcrSandbox; iam: IamSandbox; logs: LogsSandbox };

/** ListProjects answers 100 names a page (it takes no page size); a bad nextToken is an InvalidInputException. */
const PROJECT_PAGES: PageLimits = {
  operation: 'ListProjects',
  awsDefault: 100,
  awsMax: 100,
  invalid: (message) => new InvalidInputException({ message, $metadata: {} }),
};

/** BatchGetProjects takes 1 to 100 names. */
const BATCH_GET_PROJECTS_MAX = 100;

export class CodeBuildSandbox extends SandboxService<CodeBuildData> {
  readonly service = 'codebuild' as const;

  constructor(world: SandboxWorld, data: CodeBuildData, private readonly peers: CodeBuildPeers) {
    super(world, data);
  }

  static empty(): CodeBuildData {
    return { projects: {}, builds: {} };
  }

  // ---- Projects --------------------------------------------------------------------------------

  createProject(input: CreateProjectCommandInput): Out<CreateProjectCommandOutput> {
    const name = input.name ?? '';
    if (!PROJECT_NAME.test(name)) {
      throw invalidInput(`1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9][A-Za-z0-9\\-_]{1,254}`);
    }
    if (this.data.projects[name]) {
      throw new ResourceAlreadyExistsException({ message: `Project already exists: ${name}`, $metadata: {} });
    }
    if (Object.keys(this.data.projects).length >= MAX_PROJECTS) {
      throw new AccountLimitExceededException({ message: `Cannot have more than ${MAX_PROJECTS} projects in account ${this.world.account}`, $metadata: {} });
    }
    rejectUnmodelled(input);
    const source = checkSource(input.source);
    const artifacts = checkArtifacts(input.artifacts);
    checkPipelinePairing(source, artifacts, input.badgeEnabled);
    const now = this.world.now();
    const project: ProjectRecord = {
      name,
      arn: this.projectArn(name),
      ...(input.description !== undefined ? { description: input.description } : {}),
      source,
      artifacts,
      environment: checkEnvironment(input.environment),
      serviceRole: this.checkServiceRole(input.serviceRole),
      timeoutInMinutes: checkMinutes(input.timeoutInMinutes, 'timeoutInMinutes', 60, 2160),
      queuedTimeoutInMinutes: checkMinutes(input.queuedTimeoutInMinutes, 'queuedTimeoutInMinutes', 480, 480),
      logs: checkLogs(input.logsConfig),
      cache: checkCache(input.cache),
      tags: checkTags(input.tags),
      createdAt: now,
      modifiedAt: now,
      buildCount: 0,
      failNextBuilds: 0,
    };
    this.data.projects[name] = project;
    return { project: this.projectOut(project) };
  }

  batchGetProjects(input: BatchGetProjectsCommandInput): Out<BatchGetProjectsCommandOutput> {
    const projects: Project[] = [];
    const projectsNotFound: string[] = [];
    if ((input.names?.length ?? 0) > BATCH_GET_PROJECTS_MAX) {
      throw new InvalidInputException({ message: `Batch size of ${BATCH_GET_PROJECTS_MAX} exceeded: ${input.names?.length} names`, $metadata: {} });
    }
    for (const nameOrArn of input.names ?? []) {
      const project = this.findProject(nameOrArn);
      if (project) projects.push(this.projectOut(project));
      else projectsNotFound.push(nameOrArn);
    }
    return { projects, projectsNotFound };
  }

  updateProject(input: UpdateProjectCommandInput): Out<UpdateProjectCommandOutput> {
    const project = this.getProject(input.name);
    rejectUnmodelled(input);
    const source = input.source ? checkSource(input.source) : project.source;
    const artifacts = input.artifacts ? checkArtifacts(input.artifacts) : project.artifacts;
    checkPipelinePairing(source, artifacts, input.badgeEnabled);
    const updated: ProjectRecord = {
      ...project,
      ...(input.description !== undefined ? { description: input.description } : {}),
      source,
      artifacts,
      environment: input.environment ? checkEnvironment(input.environment) : project.environment,
      serviceRole: input.serviceRole !== undefined ? this.checkServiceRole(input.serviceRole) : project.serviceRole,
      timeoutInMinutes: input.timeoutInMinutes !== undefined ? checkMinutes(input.timeoutInMinutes, 'timeoutInMinutes', 60, 2160) : project.timeoutInMinutes,
      queuedTimeoutInMinutes: input.queuedTimeoutInMinutes !== undefined
        ? checkMinutes(input.queuedTimeoutInMinutes, 'queuedTimeoutInMinutes', 480, 480)
        : project.queuedTimeoutInMinutes,
      logs: input.logsConfig ? checkLogs(input.logsConfig) : project.logs,
      cache: input.cache ? checkCache(input.cache) : project.cache,
      tags: input.tags ? checkTags(input.tags) : project.tags,
      modifiedAt: this.world.now(),
    };
    this.data.projects[project.name] = updated;
    return { project: this.projectOut(updated) };
  }

  deleteProject(input: DeleteProjectCommandInput): Out<DeleteProjectCommandOutput> {
    const project = this.findProject(input.name ?? '');
    if (project) delete this.data.projects[project.name];
    return {};
  }

  listProjects(input: ListProjectsCommandInput): Out<ListProjectsCommandOutput> {
    const by = input.sortBy ?? 'NAME';
    const key = (p: ProjectRecord): string | number => (by === 'NAME' ? p.name : by === 'CREATED_TIME' ? p.createdAt : p.modifiedAt);
    const projects = Object.values(this.data.projects).sort((a, b) => {
      const [x, y] = [key(a), key(b)];
      return x < y ? -1 : x > y ? 1 : a.name.localeCompare(b.name);
    });
    if (input.sortOrder === 'DESCENDING') projects.reverse();
    const page = pageOf(this.world, projects, { token: input.nextToken, scope: `${by}\n${input.sortOrder ?? ''}` }, PROJECT_PAGES);
    return { projects: page.items.map((p) => p.name), ...(page.next ? { nextToken: page.next } : {}) };
  }

  // ---- Builds ----------------------------------------------------------------------------------

  startBuild(input: StartBuildCommandInput): Out<StartBuildCommandOutput> {
    const overrides = Object.entries(input).filter(([key, value]) => key !== 'projectName' && key !== 'sourceVersion' && value !== undefined);
    if (overrides.length > 0) {
      throw new SandboxNotModelled(`the sandbox models projectName and sourceVersion in codebuild:StartBuild, not ${overrides.map(([k]) => k).join(', ')}`);
    }
    const project = this.getProject(input.projectName);
    const build = this.launchBuild(project, input.sourceVersion, this.world.now());
    return { build: this.buildOut(build) };
  }

  batchGetBuilds(input: BatchGetBuildsCommandInput): Out<BatchGetBuildsCommandOutput> {
    const builds: Build[] = [];
    const buildsNotFound: string[] = [];
    for (const id of input.ids ?? []) {
      const build = this.data.builds[id];
      if (build) builds.push(this.buildOut(this.settle(build)));
      else buildsNotFound.push(id);
    }
    return { builds, buildsNotFound };
  }

  listBuildsForProject(input: ListBuildsForProjectCommandInput): Out<ListBuildsForProjectCommandOutput> {
    const project = this.getProject(input.projectName);
    const ids = Object.values(this.data.builds)
      .filter((b) => b.projectName === project.name)
      .sort((a, b) => b.buildNumber - a.buildNumber)
      .map((b) => b.id);
    if (input.sortOrder === 'ASCENDING') ids.reverse();
    return { ids };
  }

  // ---- Non-AWS helpers -------------------------------------------------------------------------

  /** The project's next build fails in its BUILD phase (a test failing, a compile error …). */
  simulateBuildFailure(projectName: string): void {
    this.getProject(projectName).failNextBuilds += 1;
  }

  /**
   * What a pipeline's CodeBuild action does: start a build of `sourceVersion` at the simulated
   * time `startedAt` (the moment the action started, which a lazily advanced pipeline may reach
   * after the fact). Throws ResourceNotFoundException when the project is gone.
   */
  startPipelineBuild(input: {
    projectName: string;
    sourceVersion?: string;
    startedAt: number;
    /** The action's EnvironmentVariables, which override the project's of the same name. */
    variables?: ReadonlyArray<{ name: string; value: string; type?: EnvironmentVariableType }>;
    inputImageUri?: string;
    /** The pipeline's artifact bucket, which the build's role must be able to read and write. */
    artifactBucket?: string;
  }): { id: string; endsAt: number } {
    const build = this.launchBuild(this.getProject(input.projectName), input.sourceVersion, input.startedAt);
    if (input.variables?.length) {
      const names = new Set(input.variables.map((v) => v.name));
      build.environment.variables = [
        ...build.environment.variables.filter((v) => !names.has(v.name)),
        ...input.variables.map((v) => ({ name: v.name, value: v.value, type: v.type ?? 'PLAINTEXT' })),
      ];
    }
    if (input.inputImageUri) build.inputImageUri = input.inputImageUri;
    if (input.artifactBucket !== undefined) build.artifactBucket = input.artifactBucket;
    return { id: build.id, endsAt: build.endsAt };
  }

  /** How a build ended (or IN_PROGRESS), with what a following deploy action needs from it. */
  pipelineBuildResult(id: string): PipelineBuildResult {
    const build = this.data.builds[id];
    if (!build) return { status: 'FAULT', message: `Build ${id} cannot be found` };
    this.settle(build);
    const containerName = build.environment.variables.find((v) => v.name === CONTAINER_VARIABLE)?.value;
    return {
      status: build.status,
      ...(build.failureMessage ? { message: build.failureMessage } : {}),
      ...(build.imageUri ? { imageUri: build.imageUri } : {}),
      ...(containerName ? { containerName } : {}),
    };
  }

  // ---- Inventory -------------------------------------------------------------------------------

  inventory(): InventoryItem[] {
    return Object.values(this.data.projects).map((p) => ({
      service: 'codebuild',
      type: 'project',
      id: p.name,
      tags: { ...p.tags },
      key: p.name,
    }));
  }

  // ---- Helpers ---------------------------------------------------------------------------------

  projectArn(name: string): string {
    return this.world.arn('codebuild', `project/${name}`);
  }

  private launchBuild(project: ProjectRecord, sourceVersion: string | undefined, startedAt: number): BuildRecord {
    project.buildCount += 1;
    const failsInBuild = project.failNextBuilds > 0;
    if (failsInBuild) project.failNextBuilds -= 1;
    const id = `${project.name}:${this.newUuid()}`;
    const build: BuildRecord = {
      id,
      arn: this.world.arn('codebuild', `build/${id}`),
      projectName: project.name,
      buildNumber: project.buildCount,
      ...(sourceVersion !== undefined ? { sourceVersion } : {}),
      startedAt,
      endsAt: startedAt + (this.world.readyAt('codebuild.build') - this.world.now()),
      status: 'IN_PROGRESS',
      failsInBuild,
      source: structuredClone(project.source),
      environment: structuredClone(project.environment),
      serviceRole: project.serviceRole,
      timeoutInMinutes: project.timeoutInMinutes,
      queuedTimeoutInMinutes: project.queuedTimeoutInMinutes,
      logs: { ...project.logs },
    };
    this.data.builds[id] = build;
    return build;
  }

  /** Finish a build whose time has come: the buildspec runs, and the build's log lines are written. */
  private settle(build: BuildRecord): BuildRecord {
    if (build.status !== 'IN_PROGRESS' || !this.world.isPast(build.endsAt)) return build;
    this.runBuildspec(build);
    this.writeLog(build);
    return build;
  }

  /** The build's lines in its log group (as BatchGetBuilds names its stream), when logs are on and the group exists. */
  private writeLog(build: BuildRecord): void {
    const out = this.buildOut(build).logs;
    if (build.logs.status === 'DISABLED' || !out?.groupName || !out.streamName) return;
    const total = build.endsAt - build.startedAt;
    const phases = PHASES.map((phase, i) => ({ phase, startsAt: this.dateAt(build.startedAt + (total * i) / PHASES.length).getTime() }));
    this.peers.logs.appendEvents(out.groupName, out.streamName, buildLogEvents({
      phases,
      ...(build.failedPhase ? { failedPhase: build.failedPhase } : {}),
      ...(build.failureMessage ? { failureMessage: build.failureMessage } : {}),
      ...(build.imageUri ? { imageUri: build.imageUri } : {}),
    }));
  }

  /** The simulated buildspec: it may push an image, or move a tag (the mark project). */
  private runBuildspec(build: BuildRecord): BuildRecord {
    const repositoryUrl = build.environment.variables.find((v) => v.name === REPOSITORY_VARIABLE)?.value;
    const denial = this.deniedToRole(build, repositoryUrl);
    if (denial) return this.fail(build, denial.action.startsWith('ecr:') ? 'POST_BUILD' : 'DOWNLOAD_SOURCE', `AccessDenied: ${denial.message}`);
    if (build.failsInBuild) {
      return this.fail(build, 'BUILD', 'Error while executing command: docker build . Reason: exit status 1');
    }
    const mark = build.environment.variables.find((v) => v.name === MARK_VARIABLE)?.value;
    if (mark) {
      const failure = this.markImage(build.inputImageUri, mark);
      if (failure) return this.fail(build, 'BUILD', failure);
      build.status = 'SUCCEEDED';
      return build;
    }
    if (repositoryUrl) {
      const repository = repositoryUrl.slice(repositoryUrl.indexOf('/') + 1);
      const tag = build.sourceVersion ? build.sourceVersion.slice(0, 7) : 'latest';
      try {
        const architecture = build.environment.type === 'ARM_CONTAINER' ? 'arm64' : 'amd64';
        build.imageUri = this.peers.ecr.pushImage(repository, tag, architecture).imageUri;
      } catch (error) {
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        return this.fail(build, 'POST_BUILD', `Error while executing command: docker push ${repositoryUrl}:${tag}. Reason: ${reason}`);
      }
    }
    build.status = 'SUCCEEDED';
    return build;
  }

  /** The mark buildspec: move `tag` onto the image at `uri`, as `aws ecr batch-get-image` + `put-image` do. Returns why it failed. */
  private markImage(uri: string | undefined, tag: string): string | undefined {
    const match = uri?.match(/^[^/]+\/(.+):([^:/]+)$/);
    if (!uri || !match) return `Error while executing command: read the image from imagespec.json or imageDetail.json. Reason: no image URI in the input artifact (${uri ?? 'none'})`;
    const [, repositoryName, imageTag] = match as unknown as [string, string, string];
    const ecr = this.peers.ecr;
    try {
      const { images = [] } = ecr.batchGetImage({ repositoryName, imageIds: [{ imageTag }] });
      const manifest = images[0]?.imageManifest;
      if (!manifest) return `Error while executing command: aws ecr batch-get-image --repository-name ${repositoryName} --image-ids imageTag=${imageTag}. Reason: ImageNotFound`;
      ecr.putImage({ repositoryName, imageManifest: manifest, imageTag: tag });
      return undefined;
    } catch (error) {
      if (error instanceof Error && error.name === 'ImageAlreadyExistsException') return undefined;
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return `Error while executing command: aws ecr put-image --repository-name ${repositoryName} --image-tag ${tag}. Reason: ${reason}`;
    }
  }

  /**
   * What the build's service role may not do (service-work.ts, codeBuildBuild): write its logs,
   * read and write the pipeline's artifacts, push to the repository of ECR_REPOSITORY_URL when
   * that URL is this account's registry.
   */
  private deniedToRole(build: BuildRecord, repositoryUrl: string | undefined) {
    const registry = `${this.world.account}.dkr.ecr.${this.world.region}.amazonaws.com/`;
    const repository = repositoryUrl?.startsWith(registry) ? repositoryUrl.slice(registry.length) : undefined;
    const logGroup = build.logs.status === 'DISABLED' ? undefined : (build.logs.groupName ?? `/aws/codebuild/${build.projectName}`);
    return checkServiceWork(this.peers.iam, { account: this.world.account, region: this.world.region, partition: this.world.partition }, build.serviceRole, 'codeBuildBuild', {
      buildId: build.id,
      ...(logGroup ? { logGroup } : {}),
      ...(build.artifactBucket ? { bucket: build.artifactBucket } : {}),
      ...(repository ? { repository } : {}),
    });
  }

  private fail(build: BuildRecord, phase: BuildPhaseType, message: string): BuildRecord {
    build.status = 'FAILED';
    build.failedPhase = phase;
    build.failureMessage = `Build terminated with state: FAILED. Phase: ${phase}, ${message}`;
    return build;
  }

  private checkServiceRole(arn: string | undefined): string {
    if (!this.peers.iam.hasRoleArn(arn)) throw invalidInput(`CodeBuild is not authorized to perform: sts:AssumeRole on ${arn ?? ''}`);
    return arn!;
  }

  private findProject(nameOrArn: string): ProjectRecord | undefined {
    const prefix = this.projectArn('');
    const name = nameOrArn.startsWith(prefix) ? nameOrArn.slice(prefix.length) : nameOrArn;
    return this.data.projects[name];
  }

  private getProject(nameOrArn: string | undefined): ProjectRecord {
    const project = this.findProject(nameOrArn ?? '');
    if (!project) {
      const arn = nameOrArn?.startsWith('arn:') ? nameOrArn : this.projectArn(nameOrArn ?? '');
      throw new ResourceNotFoundException({ message: `Project cannot be found: ${arn}`, $metadata: {} });
    }
    return project;
  }

  /** A UUID-shaped ID from the sandbox's counter: deterministic, never reused. */
  private newUuid(): string {
    return `00000000-0000-4000-8000-${this.world.newId('x', 12).slice(2)}`;
  }

  private dateAt(simSeconds: number): Date {
    return new Date(Date.UTC(2026, 0, 1) + simSeconds * 1000);
  }

  private projectOut(p: ProjectRecord): Project {
    return {
      name: p.name,
      arn: p.arn,
      ...(p.description !== undefined ? { description: p.description } : {}),
      source: sourceOut(p.source),
      secondarySources: [],
      secondarySourceVersions: [],
      artifacts: { type: p.artifacts, ...(p.artifacts === 'CODEPIPELINE' ? { name: p.name, packaging: 'NONE', encryptionDisabled: false } : {}) },
      secondaryArtifacts: [],
      cache: cacheOut(p.cache),
      environment: environmentOut(p.environment),
      serviceRole: p.serviceRole,
      timeoutInMinutes: p.timeoutInMinutes,
      queuedTimeoutInMinutes: p.queuedTimeoutInMinutes,
      encryptionKey: this.world.arn('kms', 'alias/aws/s3'),
      tags: tagsOut(p.tags),
      created: this.dateAt(p.createdAt),
      lastModified: this.dateAt(p.modifiedAt),
      badge: { badgeEnabled: false },
      logsConfig: logsOut(p.logs),
      projectVisibility: 'PRIVATE',
    };
  }

  private buildOut(b: BuildRecord): Build {
    const done = b.status !== 'IN_PROGRESS';
    const total = b.endsAt - b.startedAt;
    // While in progress, the phase follows the share of the build's time that has passed.
    const elapsed = total > 0 ? (this.world.now() - b.startedAt) / total : 0;
    const current = done ? PHASES.length : Math.min(PHASES.length - 1, Math.max(1, Math.floor(elapsed * PHASES.length)));
    const phaseStart = (i: number): number => b.startedAt + (total * i) / PHASES.length;
    const phases: BuildPhase[] = PHASES.slice(0, Math.min(current + 1, PHASES.length)).map((phaseType, i) => {
      if (i === current) return { phaseType, startTime: this.dateAt(phaseStart(i)) };
      const failed = b.failedPhase === phaseType;
      return {
        phaseType,
        phaseStatus: failed ? 'FAILED' : 'SUCCEEDED',
        startTime: this.dateAt(phaseStart(i)),
        endTime: this.dateAt(phaseStart(i + 1)),
        durationInSeconds: Math.round(total / PHASES.length),
        ...(failed ? { contexts: [{ statusCode: 'COMMAND_EXECUTION_ERROR', message: b.failureMessage ?? '' }] } : {}),
      };
    });
    if (done) phases.push({ phaseType: 'COMPLETED', startTime: this.dateAt(b.endsAt) });
    const streamName = b.id.slice(b.projectName.length + 1);
    return {
      id: b.id,
      arn: b.arn,
      buildNumber: b.buildNumber,
      startTime: this.dateAt(b.startedAt),
      ...(done ? { endTime: this.dateAt(b.endsAt) } : {}),
      currentPhase: done ? 'COMPLETED' : PHASES[current],
      buildStatus: b.status,
      ...(b.sourceVersion !== undefined ? { sourceVersion: b.sourceVersion, resolvedSourceVersion: b.sourceVersion } : {}),
      projectName: b.projectName,
      phases,
      source: sourceOut(b.source),
      secondarySources: [],
      secondarySourceVersions: [],
      artifacts: {},
      secondaryArtifacts: [],
      cache: { type: 'NO_CACHE' },
      environment: environmentOut(b.environment),
      serviceRole: b.serviceRole,
      logs: b.logs.status === 'ENABLED'
        ? {
            groupName: b.logs.groupName ?? `/aws/codebuild/${b.projectName}`,
            streamName: b.logs.streamName ? `${b.logs.streamName}/${streamName}` : streamName,
            cloudWatchLogs: logsOut(b.logs).cloudWatchLogs,
          }
        : { cloudWatchLogs: logsOut(b.logs).cloudWatchLogs },
      timeoutInMinutes: b.timeoutInMinutes,
      queuedTimeoutInMinutes: b.queuedTimeoutInMinutes,
      buildComplete: done,
      initiator: SANDBOX_CALLER,
      encryptionKey: this.world.arn('kms', 'alias/aws/s3'),
    };
  }
}

// ---- Validation --------------------------------------------------------------------------------

function invalidInput(message: string): InvalidInputException {
  return new InvalidInputException({ message, $metadata: {} });
}

/** Project settings the sandbox does not model fail loudly rather than being dropped. */
function rejectUnmodelled(input: CreateProjectCommandInput | UpdateProjectCommandInput): void {
  const unmodelled: Array<keyof CreateProjectCommandInput> = [
    'secondarySources', 'secondarySourceVersions', 'secondaryArtifacts', 'vpcConfig', 'fileSystemLocations', 'buildBatchConfig', 'sourceVersion',
  ];
  for (const key of unmodelled) {
    const value = input[key];
    if (value !== undefined && !(Array.isArray(value) && value.length === 0)) {
      throw new SandboxNotModelled(`the sandbox does not model codebuild project ${key}`);
    }
  }
}

const LOCAL_CACHE_MODES: readonly string[] = ['LOCAL_DOCKER_LAYER_CACHE', 'LOCAL_SOURCE_CACHE', 'LOCAL_CUSTOM_CACHE'];

/** NO_CACHE, or LOCAL with one or more local modes; S3 caches are not modelled. */
function checkCache(cache: ProjectCache | undefined): CacheRecord {
  const type = cache?.type ?? 'NO_CACHE';
  if (type === 'S3') throw new SandboxNotModelled('the sandbox models codebuild caches NO_CACHE and LOCAL, not S3');
  if (type !== 'NO_CACHE' && type !== 'LOCAL') throw invalidInput(`Invalid cache type: ${String(type)}`);
  const modes = cache?.modes ?? [];
  if (type === 'NO_CACHE' && modes.length > 0) throw invalidInput('Cache modes can only be specified for cache type LOCAL');
  if (type === 'LOCAL' && modes.length === 0) throw invalidInput('At least one cache mode must be specified for cache type LOCAL');
  const unknown = modes.find((m) => !LOCAL_CACHE_MODES.includes(m));
  if (unknown !== undefined) throw invalidInput(`Invalid cache mode: ${unknown}`);
  return { type, modes: [...new Set(modes)] };
}

function cacheOut(cache: CacheRecord | undefined): ProjectCache {
  return cache && cache.type === 'LOCAL' ? { type: 'LOCAL', modes: cache.modes as CacheMode[] } : { type: 'NO_CACHE' };
}

function checkSource(source: ProjectSource | undefined): SourceRecord {
  if (source?.type !== 'CODEPIPELINE' && source?.type !== 'NO_SOURCE') {
    throw new SandboxNotModelled(`the sandbox models codebuild sources CODEPIPELINE and NO_SOURCE, not ${source?.type ?? '(none)'}`);
  }
  if (source.location !== undefined && source.location !== '') throw invalidInput(`Invalid source location for source type ${source.type}`);
  if (source.type === 'NO_SOURCE' && !source.buildspec) throw invalidInput('Invalid project source: a buildspec must be provided when the source type is NO_SOURCE');
  return { type: source.type, ...(source.buildspec ? { buildspec: source.buildspec } : {}) };
}

function checkArtifacts(artifacts: ProjectArtifacts | undefined): ProjectRecord['artifacts'] {
  if (artifacts?.type !== 'CODEPIPELINE' && artifacts?.type !== 'NO_ARTIFACTS') {
    throw new SandboxNotModelled(`the sandbox models codebuild artifacts CODEPIPELINE and NO_ARTIFACTS, not ${artifacts?.type ?? '(none)'}`);
  }
  return artifacts.type;
}

function checkPipelinePairing(source: SourceRecord, artifacts: ProjectRecord['artifacts'], badgeEnabled: boolean | undefined): void {
  if ((source.type === 'CODEPIPELINE') !== (artifacts === 'CODEPIPELINE')) {
    throw invalidInput('Invalid input: when using CodePipeline both sourceType, and artifactType must be set to: CODEPIPELINE');
  }
  if (badgeEnabled && source.type === 'CODEPIPELINE') throw invalidInput('Build badges are not supported for CodePipeline source');
}

function checkEnvironment(environment: ProjectEnvironment | undefined): EnvironmentRecord {
  if (!environment) throw invalidInput('Invalid environment: environment must be specified');
  const { type, image, computeType } = environment;
  if (!type || !ENVIRONMENT_TYPES.includes(type)) {
    throw new SandboxNotModelled(`the sandbox models codebuild environment types ${ENVIRONMENT_TYPES.join(', ')}, not ${type ?? '(none)'}`);
  }
  if (!computeType || !COMPUTE_TYPES.includes(computeType)) {
    throw new SandboxNotModelled(`the sandbox models codebuild compute types ${COMPUTE_TYPES.join(', ')}, not ${computeType ?? '(none)'}`);
  }
  if (!image) throw invalidInput('Invalid environment: image must be specified');
  if (image.startsWith('aws/codebuild/') && (image.includes('aarch64') ? 'ARM_CONTAINER' : 'LINUX_CONTAINER') !== type) {
    throw invalidInput(`AWS CodeBuild curated image ${image} is not supported for projects with environment type ${type} and compute type ${computeType}`);
  }
  for (const key of ['computeConfiguration', 'fleet', 'certificate', 'registryCredential', 'dockerServer'] as const) {
    if (environment[key] !== undefined) throw new SandboxNotModelled(`the sandbox does not model codebuild environment ${key}`);
  }
  const variables = (environment.environmentVariables ?? []).map((v) => {
    const name = v.name ?? '';
    if (name === '') throw invalidInput('Invalid environment variable: name must not be empty');
    if (name.startsWith('CODEBUILD_')) throw invalidInput(`Invalid environment variable name: ${name}. Names starting with CODEBUILD_ are reserved`);
    const varType = v.type ?? 'PLAINTEXT';
    if (!VARIABLE_TYPES.includes(varType)) throw invalidInput(`Invalid environment variable type: ${varType}`);
    return { name, value: v.value ?? '', type: varType };
  });
  return {
    type,
    image,
    computeType,
    privilegedMode: environment.privilegedMode ?? false,
    imagePullCredentialsType: environment.imagePullCredentialsType ?? 'CODEBUILD',
    variables,
  };
}

function checkMinutes(value: number | undefined, field: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 5 || value > max) {
    throw invalidInput(`1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must have value between 5 and ${max}`);
  }
  return value;
}

function checkLogs(config: LogsConfig | undefined): LogsRecord {
  if (config?.s3Logs && config.s3Logs.status !== 'DISABLED') throw new SandboxNotModelled('the sandbox does not model codebuild S3 logs');
  const cloudWatch = config?.cloudWatchLogs;
  const status = cloudWatch?.status ?? 'ENABLED';
  if (status !== 'ENABLED' && status !== 'DISABLED') throw invalidInput(`Invalid CloudWatch Logs status: ${String(status)}`);
  return {
    status,
    ...(cloudWatch?.groupName ? { groupName: cloudWatch.groupName } : {}),
    ...(cloudWatch?.streamName ? { streamName: cloudWatch.streamName } : {}),
  };
}

function checkTags(list: Tag[] | undefined): Tags {
  const tags: Tags = {};
  for (const tag of list ?? []) {
    const key = tag.key ?? '';
    if (key.length < 1 || key.length > 127) throw invalidInput(`Invalid tag: tag keys must be 1 to 127 characters long: '${key}'`);
    if ((tag.value ?? '').length > 255) throw invalidInput(`Invalid tag: the value of tag '${key}' is longer than 255 characters`);
    tags[key] = tag.value ?? '';
  }
  if (Object.keys(tags).length > MAX_TAGS) throw invalidInput(`Invalid tags: a project can have at most ${MAX_TAGS} tags`);
  return tags;
}

// ---- Output shapes -----------------------------------------------------------------------------

function sourceOut(source: SourceRecord): ProjectSource {
  return { type: source.type, ...(source.buildspec ? { buildspec: source.buildspec } : {}), insecureSsl: false };
}

function environmentOut(e: EnvironmentRecord): ProjectEnvironment {
  return {
    type: e.type,
    image: e.image,
    computeType: e.computeType,
    environmentVariables: e.variables.map((v) => ({ ...v })),
    privilegedMode: e.privilegedMode,
    imagePullCredentialsType: e.imagePullCredentialsType,
  };
}

function logsOut(logs: LogsRecord): LogsConfig {
  return {
    cloudWatchLogs: {
      status: logs.status,
      ...(logs.groupName ? { groupName: logs.groupName } : {}),
      ...(logs.streamName ? { streamName: logs.streamName } : {}),
    },
    s3Logs: { status: 'DISABLED', encryptionDisabled: false },
  };
}

function tagsOut(tags: Tags): Tag[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

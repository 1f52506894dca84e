// The CodeBuild project that turns a commit into an image: it runs the app repository's own
// buildspec.yml on the source CodePipeline hands it, in a privileged container (Docker), pushes to
// the stack's ECR repository and writes imagespec.json for the deploy actions. It builds on the
// services' architecture (src/build-image.ts). A second, small project runs shipline's own mark
// buildspec for the pipeline's mark actions, which move the `live-<env>` tags the ECR lifecycle
// policy keeps (steps/lib/live-tags.ts). Their role may write its log group, read and write the
// pipeline's artifacts and push to (and retag in) that one repository.
import {
  BatchGetProjectsCommand,
  CreateProjectCommand,
  DeleteProjectCommand,
  UpdateProjectCommand,
  type CreateProjectCommandInput,
  type EnvironmentVariable,
  type Project,
  type ProjectCache,
} from '@aws-sdk/client-codebuild';
import { GONE, isGone } from '../src/aws/gone';
import { buildEnvironment } from '../src/build-image';
import { isRoleNotYetAssumable, retryWhile } from '../src/aws/wait';
import type { Config } from '../src/config';
import { arns, codeBuildPolicy, PRINCIPALS, type Place } from '../src/policies';
import { ensure, ignoringGone, remove } from '../src/reconcile';
import { KNOWN_AFTER_APPLY, type Step, type StepContext } from '../src/step';
import { KEYS as ARTIFACTS } from './artifacts';
import { KEYS as REPOSITORY, repositoryName } from './repository';
import { CONTAINER_NAME } from './services';
import { liveTag, MARK_BUILDSPEC, nextTag } from './lib/live-tags';
import { claim, foreignByName, foreignByOtherStack, foreignByTags, fromEcsTags, toEcsTags } from './lib/owned';
import { recorded, recordedOr } from './lib/recorded';
import { deleteLogGroup, directLogGroups, ensureLogGroup, logGroupPrefix, type LogGroupReader, type LogGroupRef } from './lib/log-group';
import { deleteRole, ensureRole, type RoleSpec } from './lib/role';

export const KEYS = {
  logGroup: 'build.logGroup',
  role: 'build.role',
  project: 'build.project',
  markProject: 'build.markProject',
};

const ROLE_PART = 'codebuild';
const POLICY_NAME = 'build';
/** How long a new role may take to become assumable by CodeBuild (IAM propagates in seconds, rarely a minute). */
const ROLE_PROPAGATION_SECONDS = 120;
/** A retag takes seconds; the smallest timeout CodeBuild accepts. */
const MARK_TIMEOUT_MINUTES = 5;

export const projectName = (stack: string) => `${stack}-build`;
export const markProjectName = (stack: string) => `${stack}-mark`;
export const buildLogGroupName = (stack: string) => `${logGroupPrefix(stack)}build`;

export const build: Step = {
  name: 'build',
  after: ['repository', 'artifacts'],

  async reconcile(ctx) {
    await ensureLogGroup(ctx, ...buildLogGroup(ctx));
    const roleArn = await ensureBuildRole(ctx);
    const find = projectFinder(ctx);
    await ensureProject(ctx, roleArn, find);
    await ensureMarkProject(ctx, roleArn, find);
  },

  async destroy(ctx) {
    await deleteMarkProject(ctx);
    await deleteProject(ctx);
    await deleteRole(ctx, KEYS.role, ROLE_PART);
    await deleteLogGroup(ctx, ...buildLogGroup(ctx));
  },
};

// ---- log group ---------------------------------------------------------------------------------

/** The build's own group; its direct read lists just that name. */
function buildLogGroup(ctx: StepContext): [LogGroupRef, LogGroupReader] {
  const name = buildLogGroupName(ctx.tags.stack);
  return [{ key: KEYS.logGroup, name }, directLogGroups(ctx, name)];
}

// ---- role --------------------------------------------------------------------------------------

/** What the build role's policy names besides the config: the ARNs state records. */
export interface BuildRoleFacts {
  place: Place;
  bucketArn: string;
  repositoryArn: string;
}

/** The build's role: CodeBuild assumes it; its inline policy names the log group, the bucket and the repository. */
export function buildRoleSpec(config: Pick<Config, 'stack' | 'deploy'>, facts: BuildRoleFacts): RoleSpec {
  const policy = codeBuildPolicy({
    logGroupArn: arns.logGroup(facts.place, buildLogGroupName(config.stack)),
    bucketArn: facts.bucketArn,
    repositoryArn: facts.repositoryArn,
    // The blue/green buildspec copies each environment's live task definition into taskdef-<env>.json.
    readTaskDefinitions: config.deploy.strategy === 'blue-green',
  });
  return {
    key: KEYS.role,
    part: ROLE_PART,
    description: `shipline ${config.stack}: lets CodeBuild build the image, push it to ECR ${repositoryName(config.stack)} and write its logs`,
    trust: PRINCIPALS.codebuild,
    inlinePolicies: { [POLICY_NAME]: policy },
  };
}

/** The role's ARN, or KNOWN_AFTER_APPLY in a plan that would create it. */
async function ensureBuildRole(ctx: StepContext): Promise<string> {
  const p = { partition: ctx.partition, region: ctx.config.region, account: ctx.accountId };
  const role = await ensureRole(
    ctx,
    buildRoleSpec(ctx.config, {
      place: p,
      bucketArn: recordedOr(ctx, ARTIFACTS.bucket, 'arn', (bucket) => arns.bucket(p, bucket)),
      repositoryArn: recordedOr(ctx, REPOSITORY.repository, 'arn', (name) => arns.repository(p, name)),
    }),
  );
  return role.resource?.role.Arn ?? KNOWN_AFTER_APPLY;
}

// ---- project -----------------------------------------------------------------------------------

/** The build project's cache (the mark project has none: it builds nothing). */
export const BUILD_CACHE: ProjectCache = { type: 'LOCAL', modes: ['LOCAL_DOCKER_LAYER_CACHE'] };

/** Everything the project is made of, as CreateProject and UpdateProject take it. */
export function projectSettings(ctx: StepContext, roleArn: string, repositoryUrl: string): CreateProjectCommandInput {
  const { image, computeType, timeoutMinutes } = ctx.config.build;
  const name = projectName(ctx.tags.stack);
  return {
    name,
    description: `shipline ${ctx.tags.stack}: builds the image from the app repository's buildspec.yml`,
    source: { type: 'CODEPIPELINE' },
    artifacts: { type: 'CODEPIPELINE' },
    environment: {
      ...buildEnvironment(ctx.config.services.architecture, image),
      computeType,
      // The buildspec runs Docker.
      privilegedMode: true,
      environmentVariables: [
        { name: 'ECR_REPOSITORY_URL', value: repositoryUrl, type: 'PLAINTEXT' },
        { name: 'CONTAINER_NAME', value: CONTAINER_NAME, type: 'PLAINTEXT' },
        { name: 'AWS_ACCOUNT_ID', value: ctx.accountId, type: 'PLAINTEXT' },
        { name: 'AWS_DEFAULT_REGION', value: ctx.config.region, type: 'PLAINTEXT' },
      ],
    },
    serviceRole: roleArn,
    timeoutInMinutes: timeoutMinutes,
    // Docker layers kept on the build host between builds: a push that changes only the app's code
    // rebuilds only its last layers (the host's cache lasts a while, not for ever; it costs nothing).
    cache: BUILD_CACHE,
    logsConfig: { cloudWatchLogs: { status: 'ENABLED', groupName: buildLogGroupName(ctx.tags.stack) } },
    tags: toEcsTags(ctx.tags.list(ctx.step, 'build')),
  };
}

/**
 * The mark project: the curated image of the services' architecture (it needs the AWS CLI and jq,
 * not Docker), the smallest compute, a few minutes at most, its buildspec inline. The tag to move
 * comes from each mark action's MARK_TAG.
 */
export function markProjectSettings(ctx: StepContext, roleArn: string): CreateProjectCommandInput {
  return {
    name: markProjectName(ctx.tags.stack),
    description: `shipline ${ctx.tags.stack}: moves the tag a pipeline mark action names (${liveTag('<env>')}, ${nextTag('<env>')}) onto the image that action's input names`,
    source: { type: 'CODEPIPELINE', buildspec: MARK_BUILDSPEC },
    artifacts: { type: 'CODEPIPELINE' },
    environment: {
      ...buildEnvironment(ctx.config.services.architecture),
      computeType: 'BUILD_GENERAL1_SMALL',
      privilegedMode: false,
      environmentVariables: [],
    },
    serviceRole: roleArn,
    timeoutInMinutes: MARK_TIMEOUT_MINUTES,
    logsConfig: { cloudWatchLogs: { status: 'ENABLED', groupName: buildLogGroupName(ctx.tags.stack) } },
    tags: toEcsTags(ctx.tags.list(ctx.step, 'mark')),
  };
}

/** The settings of `want` that `project` does not have, by name. */
export function projectDrift(project: Project, want: CreateProjectCommandInput): string[] {
  const changes: string[] = [];
  if (project.source?.type !== want.source?.type || (project.source?.buildspec || undefined) !== want.source?.buildspec) changes.push('source');
  if (project.artifacts?.type !== want.artifacts?.type) changes.push('artifacts');
  const cache = project.cache ?? { type: 'NO_CACHE' };
  const wantCache = want.cache ?? { type: 'NO_CACHE' };
  if (cache.type !== wantCache.type || JSON.stringify([...(cache.modes ?? [])].sort()) !== JSON.stringify([...(wantCache.modes ?? [])].sort())) changes.push('cache');
  const env = project.environment;
  const wanted = want.environment!;
  if (env?.type !== wanted.type || env?.image !== wanted.image || env?.computeType !== wanted.computeType || (env?.privilegedMode ?? false) !== wanted.privilegedMode) {
    changes.push('environment');
  }
  if (variables(env?.environmentVariables) !== variables(wanted.environmentVariables)) changes.push('environment variables');
  if (project.serviceRole !== want.serviceRole) changes.push('service role');
  if (project.timeoutInMinutes !== want.timeoutInMinutes) changes.push('timeout');
  const logs = project.logsConfig?.cloudWatchLogs;
  if ((logs?.status ?? 'ENABLED') !== 'ENABLED' || logs?.groupName !== want.logsConfig?.cloudWatchLogs?.groupName) changes.push('logs');
  const tags = new Map((project.tags ?? []).map((t) => [t.key, t.value]));
  if (!(want.tags ?? []).every((t) => tags.get(t.key) === t.value)) changes.push('tags');
  return changes;
}

/** Variables compared by name, value and type (PLAINTEXT when AWS leaves it out), in any order. */
function variables(list: EnvironmentVariable[] | undefined): string {
  return JSON.stringify((list ?? []).map((v) => [v.name, v.value, v.type ?? 'PLAINTEXT']).sort());
}

async function findProject(ctx: StepContext, name: string): Promise<Project | undefined> {
  const { projects = [] } = await ctx.aws.codebuild.send(new BatchGetProjectsCommand({ names: [name] }));
  return projects.find((p) => p.name === name);
}

/**
 * Finds the build and the mark project with one BatchGetProjects for both (a no-op run reads each
 * once, in one call); any other name, or a read that failed, is read on its own.
 */
function projectFinder(ctx: StepContext): (name: string) => Promise<Project | undefined> {
  const both = [projectName(ctx.tags.stack), markProjectName(ctx.tags.stack)];
  let batch: Promise<Project[]> | undefined;
  return async (name) => {
    if (!both.includes(name)) return findProject(ctx, name);
    batch ??= (async () => (await ctx.aws.codebuild.send(new BatchGetProjectsCommand({ names: both }))).projects ?? [])();
    try {
      return (await batch).find((p) => p.name === name);
    } catch (error) {
      batch = undefined;
      throw error;
    }
  };
}

type ProjectFinder = (name: string) => Promise<Project | undefined>;

async function ensureProject(ctx: StepContext, roleArn: string, find: ProjectFinder): Promise<void> {
  const repositoryUrl = recorded(ctx, REPOSITORY.repository, 'uri');
  await ensureProjectAs(ctx, KEYS.project, projectSettings(ctx, roleArn, repositoryUrl), [roleArn, repositoryUrl], find);
}

async function ensureMarkProject(ctx: StepContext, roleArn: string, find: ProjectFinder): Promise<void> {
  await ensureProjectAs(ctx, KEYS.markProject, markProjectSettings(ctx, roleArn), [roleArn], find);
}

/** Create, adopt or update the project `want` describes, recorded under `key`. */
async function ensureProjectAs(ctx: StepContext, key: string, want: CreateProjectCommandInput, needs: string[], findProjectNamed: ProjectFinder): Promise<void> {
  const codebuild = ctx.aws.codebuild;
  const name = want.name!;
  // A role created seconds ago is refused until IAM has propagated it.
  const whileRoleIsNew = <T>(call: () => Promise<T>) =>
    retryWhile(ctx, `IAM role ${ctx.tags.name(ROLE_PART)} to be usable by CodeBuild`, ROLE_PROPAGATION_SECONDS, isRoleNotYetAssumable, call);
  await ensure<Project>(ctx, {
    key,
    kind: `CodeBuild project ${name}`,
    needs,
    foreignId: (id) => foreignByName(id, name),
    foreign: (p) => foreignByOtherStack(ctx, fromEcsTags(p.tags)),
    find: (id) => findProjectNamed(id),
    findByTags: async () => {
      const found = await findProjectNamed(name);
      return found && claim(ctx, 'CodeBuild project', name, found, fromEcsTags(found.tags));
    },
    create: async () => (await whileRoleIsNew(() => codebuild.send(new CreateProjectCommand(want)))).project!,
    id: (p) => p.name!,
    attributes: (p) => ({ arn: p.arn }),
    drift: (p) => projectDrift(p, want),
    update: async (p) => {
      // UpdateProject replaces the tags: keep the ones others added.
      const ours = new Set((want.tags ?? []).map((t) => t.key));
      const tags = [...(p.tags ?? []).filter((t) => !ours.has(t.key)), ...(want.tags ?? [])];
      await whileRoleIsNew(() => codebuild.send(new UpdateProjectCommand({ ...want, tags })));
    },
  });
}

async function deleteProject(ctx: StepContext): Promise<void> {
  await deleteProjectAs(ctx, KEYS.project, projectName(ctx.tags.stack));
}

async function deleteMarkProject(ctx: StepContext): Promise<void> {
  await deleteProjectAs(ctx, KEYS.markProject, markProjectName(ctx.tags.stack));
}

async function deleteProjectAs(ctx: StepContext, key: string, name: string): Promise<void> {
  await remove(ctx, {
    key,
    kind: `CodeBuild project ${name}`,
    findByTags: async () => {
      const found = await findProject(ctx, name);
      return found && ctx.tags.owns(fromEcsTags(found.tags)) ? found : undefined;
    },
    id: (p) => p.name!,
    confirm: {
      find: async (id) => (foreignByName(id, name) !== undefined ? ({ name: id } as Project) : findProject(ctx, id)),
      foreign: (p) => foreignByName(p.name!, name) ?? foreignByTags(ctx, fromEcsTags(p.tags)),
    },
    // DeleteProject succeeds on a project already gone.
    delete: (id) =>
      ignoringGone(() => ctx.aws.codebuild.send(new DeleteProjectCommand({ name: id })), isGone(GONE.codebuild.project)),
  });
}

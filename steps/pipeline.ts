// The pipeline: Source (the GitHub connection) → Build (the CodeBuild project) → one deploy stage
// per environment, in config order, with a manual approval before each environment marked
// `approval: true`. Rolling: each deploy is an ECS action reading imagespec.json. Blue/green: a
// CodeDeployToECS action on the environment's deployment group, with the build's taskdef-<env>.json,
// appspec.yml and imageDetail.json (which fills in `<IMAGE1_NAME>`). Its role may use the artifact
// bucket, the connection, the project, the environments' services (rolling) or deployment groups
// (blue/green) and task definition families, and pass the task execution role to ECS.
// Each deploy is followed by a mark action (`Tag-live-<env>`, the build step's mark project) that
// moves `live-<env>` onto the image just deployed, and an approval has a mark action beside it
// (`Tag-next-<env>`) that tags the image it waits to deploy: the tags the ECR lifecycle policy
// keeps (steps/lib/live-tags.ts).
// The declared structure is compared with what GetPipeline reports; any difference is put back
// with UpdatePipeline.
import {
  CreatePipelineCommand,
  DeletePipelineCommand,
  GetPipelineCommand,
  ListTagsForResourceCommand,
  UpdatePipelineCommand,
  type ActionCategory,
  type ActionDeclaration,
  type ActionTypeId,
  type PipelineDeclaration,
  type StageDeclaration,
} from '@aws-sdk/client-codepipeline';
import { GONE, isGone } from '../src/aws/gone';
import { unlessNotFound } from '../src/aws/errors';
import { isRoleNotYetAssumable, retryWhile } from '../src/aws/wait';
import type { Config, EnvironmentConfig } from '../src/config';
import { APPSPEC_FILE, IMAGE_DEFINITIONS_FILE, IMAGE_PLACEHOLDER, taskDefinitionFile } from '../src/app-templates';
import { arns, codePipelinePolicy, PRINCIPALS, type Place } from '../src/policies';
import { ensure, ignoringGone, remove } from '../src/reconcile';
import { isKnown, KNOWN_AFTER_APPLY, type Step, type StepContext } from '../src/step';
import { KEYS as ARTIFACTS } from './artifacts';
import { KEYS as BUILD } from './build';
import { KEYS as CLUSTER, clusterName } from './cluster';
import { applicationName, deploymentGroupName } from './codedeploy';
import { KEYS as CONNECTION } from './connection';
import { KEYS as SERVICES, serviceName, taskFamily, taskRoleArns } from './services';
import { liveTag, MARK_VARIABLE, nextTag } from './lib/live-tags';
import { claim, foreignByName, foreignByTags, fromEcsTags, sameJson, toEcsTags } from './lib/owned';
import { recorded, recordedOr } from './lib/recorded';
import { deleteRole, ensureRole, type RoleSpec } from './lib/role';

export const KEYS = {
  role: 'pipeline.role',
  pipeline: 'pipeline.pipeline',
};

const ROLE_PART = 'codepipeline';
const POLICY_NAME = 'pipeline';
const ROLE_PROPAGATION_SECONDS = 120;
/** What the build writes for the ECS deploy actions (the app repository's buildspec). */
export const IMAGE_FILE = IMAGE_DEFINITIONS_FILE;
const SOURCE_OUTPUT = 'SourceOutput';
const BUILD_OUTPUT = 'BuildOutput';

export const pipelineName = (stack: string) => `${stack}-pipeline`;

export function pipelineUrl(region: string, name: string): string {
  return `https://${region}.console.aws.amazon.com/codesuite/codepipeline/pipelines/${name}/view?region=${region}`;
}

export const pipeline: Step = {
  name: 'pipeline',
  after: ['build', 'connection', 'services', 'codedeploy', 'artifacts', 'cluster'],

  async reconcile(ctx) {
    const roleArn = await ensurePipelineRole(ctx);
    await ensurePipeline(ctx, roleArn);
  },

  outputs(state, config) {
    const name = state.get(KEYS.pipeline)?.id;
    if (!name) return [];
    return [
      { key: 'pipeline', label: 'pipeline', value: name },
      { key: 'pipelineUrl', label: 'pipeline console', value: pipelineUrl(config.region, name) },
    ];
  },

  async destroy(ctx) {
    await deletePipeline(ctx);
    await deleteRole(ctx, KEYS.role, ROLE_PART);
  },
};

// ---- the structure -----------------------------------------------------------------------------

/** The names and ARNs the pipeline is built from. */
export interface PipelineIds {
  roleArn: string;
  /** The artifact bucket's name. */
  bucket: string;
  connectionArn: string;
  /** The CodeBuild project's name. */
  projectName: string;
  /** The mark project's name (steps/lib/live-tags.ts). */
  markProjectName: string;
  clusterName: string;
}

/**
 * Stage names. With one or two environments, the reference setup's: `Deploy` for the first and
 * `Acceptance` for the second. With three or more those no longer say which stage is which, so
 * every stage is `Deploy-<env>`. Renaming them when a third environment comes is a pipeline
 * update like any other.
 */
export function stageName(environments: readonly Pick<EnvironmentConfig, 'name'>[], index: number): string {
  if (environments.length <= 2) return index === 0 ? 'Deploy' : 'Acceptance';
  return `Deploy-${environments[index]!.name}`;
}

const actionType = (category: ActionCategory, provider: string): ActionTypeId => ({ category, owner: 'AWS', provider, version: '1' });

/**
 * The pipeline as CreatePipeline and UpdatePipeline take it: Source → Build → a stage per
 * environment, where an environment with `approval: true` gets a manual approval `Approve-<env>`
 * and the mark action `Tag-next-<env>` (runOrder 1) before its deploy `Deploy-<env>` (runOrder 2);
 * every deploy is followed by the mark action `Tag-live-<env>`.
 */
export function pipelineStructure(config: Config, ids: PipelineIds): PipelineDeclaration {
  const source: StageDeclaration = {
    name: 'Source',
    actions: [
      {
        name: 'Source',
        actionTypeId: actionType('Source', 'CodeStarSourceConnection'),
        runOrder: 1,
        configuration: {
          ConnectionArn: ids.connectionArn,
          FullRepositoryId: config.source.repository,
          BranchName: config.source.branch,
          OutputArtifactFormat: 'CODE_ZIP',
          DetectChanges: String(config.pipeline.detectChanges),
        },
        inputArtifacts: [],
        outputArtifacts: [{ name: SOURCE_OUTPUT }],
      },
    ],
  };
  const build: StageDeclaration = {
    name: 'Build',
    actions: [
      {
        name: 'Build',
        actionTypeId: actionType('Build', 'CodeBuild'),
        runOrder: 1,
        configuration: { ProjectName: ids.projectName },
        inputArtifacts: [{ name: SOURCE_OUTPUT }],
        outputArtifacts: [{ name: BUILD_OUTPUT }],
      },
    ],
  };
  const deploys = config.environments.map((env, i): StageDeclaration => {
    const actions: ActionDeclaration[] = [];
    if (env.approval) {
      actions.push({
        name: `Approve-${env.name}`,
        actionTypeId: actionType('Approval', 'Manual'),
        runOrder: 1,
        configuration: { CustomData: `Approve to deploy to ${env.name}` },
        inputArtifacts: [],
        outputArtifacts: [],
      });
      // Beside the approval, not before it: the approval waits no longer, and the deploy waits for both.
      actions.push({ ...markAction(ids, nextTag(env.name)), runOrder: 1 });
    }
    const deployOrder = env.approval ? 2 : 1;
    actions.push({ ...deployAction(config, ids, env.name), runOrder: deployOrder });
    actions.push({ ...markAction(ids, liveTag(env.name)), runOrder: deployOrder + 1 });
    return { name: stageName(config.environments, i), actions };
  });
  return {
    name: pipelineName(config.stack),
    roleArn: ids.roleArn,
    artifactStore: { type: 'S3', location: ids.bucket },
    pipelineType: 'V2',
    executionMode: 'SUPERSEDED',
    stages: [source, build, ...deploys],
  };
}

/** A CodeBuild action of the mark project that moves `tag` onto the image of the build output. */
function markAction(ids: PipelineIds, tag: string): ActionDeclaration {
  return {
    name: `Tag-${tag}`,
    actionTypeId: actionType('Build', 'CodeBuild'),
    configuration: {
      ProjectName: ids.markProjectName,
      EnvironmentVariables: JSON.stringify([{ name: MARK_VARIABLE, value: tag, type: 'PLAINTEXT' }]),
    },
    inputArtifacts: [{ name: BUILD_OUTPUT }],
    outputArtifacts: [],
  };
}

/** An environment's deploy action: ECS (rolling), or CodeDeployToECS on its deployment group (blue/green). */
function deployAction(config: Config, ids: PipelineIds, env: string): ActionDeclaration {
  const common = { name: `Deploy-${env}`, inputArtifacts: [{ name: BUILD_OUTPUT }], outputArtifacts: [] };
  if (config.deploy.strategy !== 'blue-green') {
    return {
      ...common,
      actionTypeId: actionType('Deploy', 'ECS'),
      configuration: { ClusterName: ids.clusterName, ServiceName: serviceName(config.stack, env), FileName: IMAGE_FILE },
    };
  }
  return {
    ...common,
    actionTypeId: actionType('Deploy', 'CodeDeployToECS'),
    configuration: {
      ApplicationName: applicationName(config.stack),
      DeploymentGroupName: deploymentGroupName(config.stack, env),
      TaskDefinitionTemplateArtifact: BUILD_OUTPUT,
      TaskDefinitionTemplatePath: taskDefinitionFile(env),
      AppSpecTemplateArtifact: BUILD_OUTPUT,
      AppSpecTemplatePath: APPSPEC_FILE,
      // imageDetail.json of the build output fills in <IMAGE1_NAME> in the task definition template.
      Image1ArtifactName: BUILD_OUTPUT,
      Image1ContainerName: IMAGE_PLACEHOLDER,
    },
  };
}

/** A declaration reduced to what shipline declares, with AWS's defaults filled in and its additions (version …) left out. */
function comparable(d: PipelineDeclaration) {
  return {
    roleArn: d.roleArn,
    artifactStore: { type: d.artifactStore?.type, location: d.artifactStore?.location, encryptionKey: d.artifactStore?.encryptionKey?.id },
    pipelineType: d.pipelineType ?? 'V1',
    executionMode: d.executionMode ?? 'SUPERSEDED',
    stages: (d.stages ?? []).map((s) => ({
      name: s.name,
      actions: (s.actions ?? []).map((a) => ({
        name: a.name,
        actionTypeId: { ...a.actionTypeId },
        runOrder: a.runOrder ?? 1,
        configuration: a.configuration ?? {},
        inputArtifacts: (a.inputArtifacts ?? []).map((x) => x.name),
        outputArtifacts: (a.outputArtifacts ?? []).map((x) => x.name),
        roleArn: a.roleArn,
        region: a.region,
        namespace: a.namespace,
      })),
    })),
  };
}

/** What differs between the pipeline on AWS and the declared one: `role`, `stage Deploy` … */
export function pipelineDrift(actual: PipelineDeclaration, declared: PipelineDeclaration): string[] {
  const [have, want] = [comparable(actual), comparable(declared)];
  const changes: string[] = [];
  if (have.roleArn !== want.roleArn) changes.push('role');
  if (!sameJson(have.artifactStore, want.artifactStore)) changes.push('artifact store');
  if (have.pipelineType !== want.pipelineType) changes.push('pipeline type');
  if (have.executionMode !== want.executionMode) changes.push('execution mode');
  const names = (stages: typeof have.stages) => stages.map((s) => s.name);
  if (!sameJson(names(have.stages), names(want.stages))) {
    changes.push(`stages (${names(want.stages).join(' → ')})`);
  } else {
    want.stages.forEach((stage, i) => {
      if (!sameJson(have.stages[i], stage)) changes.push(`stage ${stage.name}`);
    });
  }
  return changes;
}

// ---- role --------------------------------------------------------------------------------------

const place = (ctx: StepContext) => ({ partition: ctx.partition, region: ctx.config.region, account: ctx.accountId });

/** What the pipeline role's policy names besides the config: the ARNs state records. */
export interface PipelineRoleFacts {
  place: Place;
  /** The stack's cluster, as recorded, else its derived name. */
  cluster: string;
  bucketArn: string;
  connectionArn: string;
  projectArn: string;
  markProjectArn: string;
  executionRoleArn: string;
  /** The task roles the revisions name, which the deploy actions pass to ECS with them. */
  taskRoleArns?: readonly string[];
  /** The services the services step recorded, by environment (the others are named by the ARN ECS will give them). */
  serviceArns: Readonly<Record<string, string>>;
}

/** The pipeline's role: CodePipeline assumes it; its inline policy names what the actions use. */
export function pipelineRoleSpec(config: Pick<Config, 'stack' | 'environments' | 'deploy'>, facts: PipelineRoleFacts): RoleSpec {
  const p = facts.place;
  const stack = config.stack;
  const envs = config.environments.map((e) => e.name);
  const blueGreen = config.deploy.strategy === 'blue-green';
  const application = applicationName(stack);
  const policy = codePipelinePolicy({
    bucketArn: facts.bucketArn,
    connectionArn: facts.connectionArn,
    projectArn: facts.projectArn,
    markProjectArn: facts.markProjectArn,
    // A service recorded by the services step is named by its ARN; a planned one by the ARN ECS will give it.
    // Blue/green: CodeDeploy updates the services, the pipeline only starts deployments.
    serviceArns: blueGreen ? [] : envs.map((env) => facts.serviceArns[env] ?? arns.ecsService(p, facts.cluster, serviceName(stack, env))),
    taskDefinitionArns: envs.map((env) => arns.taskDefinitionFamily(p, taskFamily(stack, env))),
    executionRoleArn: facts.executionRoleArn,
    taskRoleArns: facts.taskRoleArns ?? [],
    ...(blueGreen
      ? {
          codeDeploy: {
            applicationArn: arns.codeDeployApplication(p, application),
            deploymentGroupArns: envs.map((env) => arns.codeDeployGroup(p, application, deploymentGroupName(stack, env))),
            deploymentConfigArn: arns.codeDeployConfig(p, config.deploy.deploymentConfig),
          },
        }
      : {}),
  });
  return {
    key: KEYS.role,
    part: ROLE_PART,
    description: `shipline ${stack}: lets CodePipeline pull the source, run the build and deploy the stack's services`,
    trust: PRINCIPALS.codepipeline,
    inlinePolicies: { [POLICY_NAME]: policy },
  };
}

/** The role's ARN, or KNOWN_AFTER_APPLY in a plan that would create it. */
async function ensurePipelineRole(ctx: StepContext): Promise<string> {
  const p = place(ctx);
  const serviceArns: Record<string, string> = {};
  for (const env of ctx.config.environments) {
    const id = ctx.state.get(SERVICES.service(env.name))?.id;
    if (isKnown(id)) serviceArns[env.name] = id;
  }
  const role = await ensureRole(
    ctx,
    pipelineRoleSpec(ctx.config, {
      place: p,
      cluster: ctx.state.get(CLUSTER.cluster)?.id ?? clusterName(ctx.tags.stack),
      bucketArn: recordedOr(ctx, ARTIFACTS.bucket, 'arn', (bucket) => arns.bucket(p, bucket)),
      connectionArn: recorded(ctx, CONNECTION.github),
      projectArn: recordedOr(ctx, BUILD.project, 'arn', (name) => arns.codeBuildProject(p, name)),
      markProjectArn: recordedOr(ctx, BUILD.markProject, 'arn', (name) => arns.codeBuildProject(p, name)),
      executionRoleArn: recorded(ctx, CLUSTER.executionRole, 'arn'),
      taskRoleArns: taskRoleArns(ctx),
      serviceArns,
    }),
  );
  return role.resource?.role.Arn ?? KNOWN_AFTER_APPLY;
}

// ---- pipeline ----------------------------------------------------------------------------------

interface LivePipeline {
  declaration: PipelineDeclaration;
  arn: string;
}

async function findPipeline(ctx: StepContext, name: string): Promise<LivePipeline | undefined> {
  const out = await unlessNotFound(ctx.aws.codepipeline.send(new GetPipelineCommand({ name })), ...GONE.codepipeline.pipeline);
  if (!out?.pipeline) return undefined;
  return { declaration: out.pipeline, arn: out.metadata?.pipelineArn ?? arns.pipeline(place(ctx), name) };
}

/** CodePipeline spells tags `{ key, value }`, as ECS does. */
async function pipelineTags(ctx: StepContext, found: LivePipeline) {
  const { tags = [] } = await ctx.aws.codepipeline.send(new ListTagsForResourceCommand({ resourceArn: found.arn }));
  return fromEcsTags(tags);
}

async function ensurePipeline(ctx: StepContext, roleArn: string): Promise<void> {
  const codepipeline = ctx.aws.codepipeline;
  const name = pipelineName(ctx.tags.stack);
  const ids: PipelineIds = {
    roleArn,
    bucket: recorded(ctx, ARTIFACTS.bucket),
    connectionArn: recorded(ctx, CONNECTION.github),
    projectName: recorded(ctx, BUILD.project),
    markProjectName: recorded(ctx, BUILD.markProject),
    clusterName: recorded(ctx, CLUSTER.cluster),
  };
  const declared = pipelineStructure(ctx.config, ids);
  // A role created seconds ago is refused until IAM has propagated it.
  const whileRoleIsNew = <T>(call: () => Promise<T>) =>
    retryWhile(ctx, `IAM role ${ctx.tags.name(ROLE_PART)} to be usable by CodePipeline`, ROLE_PROPAGATION_SECONDS, isRoleNotYetAssumable, call);
  await ensure<LivePipeline>(ctx, {
    key: KEYS.pipeline,
    kind: `pipeline ${name}`,
    needs: Object.values(ids),
    foreignId: (id) => foreignByName(id, name),
    foreign: () => undefined,
    find: (id) => findPipeline(ctx, id),
    findByTags: async () => {
      const found = await findPipeline(ctx, name);
      return found && claim(ctx, 'pipeline', name, found, await pipelineTags(ctx, found));
    },
    create: async () => {
      const tags = toEcsTags(ctx.tags.list(ctx.step, 'pipeline'));
      const out = await whileRoleIsNew(() => codepipeline.send(new CreatePipelineCommand({ pipeline: declared, tags })));
      return { declaration: out.pipeline ?? declared, arn: arns.pipeline(place(ctx), name) };
    },
    id: (p) => p.declaration.name!,
    attributes: (p) => ({ arn: p.arn }),
    drift: (p) => pipelineDrift(p.declaration, declared),
    update: async () => {
      await whileRoleIsNew(() => codepipeline.send(new UpdatePipelineCommand({ pipeline: declared })));
    },
  });
}

async function deletePipeline(ctx: StepContext): Promise<void> {
  const name = pipelineName(ctx.tags.stack);
  await remove(ctx, {
    key: KEYS.pipeline,
    kind: `pipeline ${name}`,
    findByTags: async () => {
      const found = await findPipeline(ctx, name);
      return found && ctx.tags.owns(await pipelineTags(ctx, found)) ? found : undefined;
    },
    id: (p) => p.declaration.name!,
    // Its name, then its tags (ListTagsForResource on the ARN derived from the name).
    confirm: {
      find: async (id) => {
        if (foreignByName(id, name) !== undefined) return { name: id, tags: [] };
        const out = await unlessNotFound(
          ctx.aws.codepipeline.send(new ListTagsForResourceCommand({ resourceArn: arns.pipeline(place(ctx), id) })),
          ...GONE.codepipeline.pipeline,
        );
        return out && { name: id, tags: fromEcsTags(out.tags) };
      },
      foreign: (p: { name: string; tags: Array<{ Key?: string; Value?: string }> }) => foreignByName(p.name, name) ?? foreignByTags(ctx, p.tags),
    },
    delete: (id) =>
      ignoringGone(() => ctx.aws.codepipeline.send(new DeletePipelineCommand({ name: id })), isGone(GONE.codepipeline.pipeline)),
  });
}

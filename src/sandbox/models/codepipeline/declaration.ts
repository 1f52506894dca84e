// A pipeline's declaration, checked as AWS checks it: names, stages, the action types the sandbox
// models (and their configuration, artifacts and run orders), tags.
import {
  type ActionCategory,
  type ActionDeclaration,
  InvalidActionDeclarationException,
  InvalidStageDeclarationException,
  InvalidStructureException,
  InvalidTagsException,
  type StageDeclaration,
  type Tag,
  TooManyTagsException,
  ValidationException,
  InvalidNextTokenException,
} from '@aws-sdk/client-codepipeline';
import { SandboxNotModelled } from '../../kernel/errors';
import type { PageLimits } from '../../kernel/pages';
import type { Tags } from '../../kernel/tags';
import { type ActionRecord, ARTIFACT_NAME, MAX_TAGS, NAME, type StageRecord } from './records';

// ---- Action types ------------------------------------------------------------------------------

export interface ActionTypeSpec {
  category: ActionCategory;
  provider: string;
  required: readonly string[];
  optional: readonly string[];
  /** Allowed numbers of input and output artifacts, [min, max]. */
  inputs: readonly [number, number];
  outputs: readonly [number, number];
}

/** The AWS action types the sandbox runs (owner AWS, version 1). */
export const ACTION_TYPES: readonly ActionTypeSpec[] = [
  {
    category: 'Source',
    provider: 'CodeStarSourceConnection',
    required: ['ConnectionArn', 'FullRepositoryId', 'BranchName'],
    optional: ['OutputArtifactFormat', 'DetectChanges'],
    inputs: [0, 0],
    outputs: [1, 1],
  },
  {
    category: 'Build',
    provider: 'CodeBuild',
    required: ['ProjectName'],
    optional: ['PrimarySource', 'EnvironmentVariables', 'BatchEnabled', 'CombineArtifacts'],
    inputs: [1, 5],
    outputs: [0, 5],
  },
  { category: 'Deploy', provider: 'ECS', required: ['ClusterName', 'ServiceName'], optional: ['FileName', 'DeploymentTimeout'], inputs: [1, 1], outputs: [0, 0] },
  { category: 'Approval', provider: 'Manual', required: [], optional: ['CustomData', 'NotificationArn', 'ExternalEntityLink'], inputs: [0, 0], outputs: [0, 0] },
  {
    category: 'Deploy',
    provider: 'CodeDeployToECS',
    required: ['ApplicationName', 'DeploymentGroupName', 'TaskDefinitionTemplateArtifact', 'AppSpecTemplateArtifact'],
    optional: [
      'TaskDefinitionTemplatePath', 'AppSpecTemplatePath',
      ...[1, 2, 3, 4].flatMap((i) => [`Image${i}ArtifactName`, `Image${i}ContainerName`]),
    ],
    inputs: [1, 5],
    outputs: [0, 0],
  },
];

/** Action types AWS has and the sandbox does not run: they fail loudly instead of "not available". */
export const UNMODELLED_ACTION_TYPES: readonly string[] = [
  'Source/S3', 'Source/CodeCommit', 'Source/ECR', 'Build/ECRBuildAndPublish', 'Build/Commands', 'Test/CodeBuild', 'Test/DeviceFarm',
  'Deploy/CloudFormation', 'Deploy/CloudFormationStackSet', 'Deploy/CodeDeploy', 'Deploy/S3', 'Deploy/ElasticBeanstalk', 'Deploy/EKS',
  'Deploy/EC2', 'Invoke/Lambda', 'Invoke/StepFunctions', 'Invoke/Snyk', 'Invoke/InspectorScan',
];

// ---- Declaration checks ------------------------------------------------------------------------

/**
 * A list's page limits: a token AWS did not give is InvalidNextTokenException, a page size out of
 * range a ValidationException (botocore: maxResults 1-1000 for ListPipelines, 1-100 for
 * ListPipelineExecutions).
 */
export function listLimits(operation: string, awsDefault: number, awsMax: number): PageLimits {
  return {
    operation,
    awsDefault,
    awsMax,
    invalid: (message, problem) =>
      problem.kind === 'size'
        ? validation(`1 validation error detected: Value '${problem.size}' at 'maxResults' failed to satisfy constraint: Member must have value between ${problem.min} and ${problem.max}`)
        : new InvalidNextTokenException({ message, $metadata: {} }),
  };
}

export function validation(message: string): ValidationException {
  return new ValidationException({ message, $metadata: {} });
}

export function structure(message: string): InvalidStructureException {
  return new InvalidStructureException({ message, $metadata: {} });
}

export function actionDeclaration(message: string): InvalidActionDeclarationException {
  return new InvalidActionDeclarationException({ message, $metadata: {} });
}

export function checkName(name: string | undefined, field: string): string {
  if (name === undefined || !NAME.test(name)) {
    throw validation(
      `1 validation error detected: Value '${name ?? 'null'}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9.@\\-_]+ and have length between 1 and 100`,
    );
  }
  return name;
}

export function checkStages(stages: StageDeclaration[], region: string): StageRecord[] {
  if (stages.length < 2) {
    throw structure(`Pipeline has only ${stages.length} stage(s). There should be a minimum of 2 stages in a pipeline`);
  }
  const stageNames = new Set<string>();
  /** Output artifacts of the actions checked so far, with the stage and runOrder that make them. */
  const produced = new Map<string, { stage: number; runOrder: number }>();
  return stages.map((stage, index) => {
    const name = checkName(stage.name, `pipeline.stages.${index + 1}.member.name`);
    if (stageNames.has(name)) throw structure(`Pipeline has more than one stage with the name '${name}'`);
    stageNames.add(name);
    for (const key of ['blockers', 'onFailure', 'onSuccess', 'beforeEntry'] as const) {
      const value = stage[key];
      if (value !== undefined && !(Array.isArray(value) && value.length === 0)) {
        throw new SandboxNotModelled(`the sandbox does not model codepipeline stage ${key}`);
      }
    }
    const declared = stage.actions ?? [];
    if (declared.length === 0) {
      throw new InvalidStageDeclarationException({ message: `Stage '${name}' must contain at least one action`, $metadata: {} });
    }
    const actionNames = new Set<string>();
    const actions = declared.map((action) => {
      const record = checkAction(action, name, region);
      if (actionNames.has(record.name)) throw structure(`Stage '${name}' has more than one action with the name '${record.name}'`);
      actionNames.add(record.name);
      if (index === 0 && record.category !== 'Source') {
        throw structure(`Action '${record.name}' in the first stage '${name}' is not a source action: the first stage of a pipeline must contain only source actions`);
      }
      if (index > 0 && record.category === 'Source') {
        throw structure(`Source action '${record.name}' is in stage '${name}': only the first stage of a pipeline can contain source actions`);
      }
      return record;
    });
    // Inputs come from an earlier stage or an earlier runOrder of this one; outputs are unique.
    for (const action of [...actions].sort((a, b) => a.runOrder - b.runOrder)) {
      for (const input of action.inputArtifacts) {
        const maker = produced.get(input);
        if (!maker || (maker.stage === index && maker.runOrder >= action.runOrder)) {
          throw structure(`Input artifact bundle name ${input} isn't an output artifact of any action before action ${action.name} in stage ${name}`);
        }
      }
      for (const output of action.outputArtifacts) {
        if (produced.has(output)) throw structure(`Output artifact bundle name ${output} is used by more than one action`);
        produced.set(output, { stage: index, runOrder: action.runOrder });
      }
    }
    return { name, actions };
  });
}

export function checkAction(action: ActionDeclaration, stageName: string, region: string): ActionRecord {
  const name = checkName(action.name, `pipeline.stages.member.actions.member.name`);
  for (const key of ['commands', 'outputVariables', 'environmentVariables', 'timeoutInMinutes'] as const) {
    const value = action[key];
    if (value !== undefined && !(Array.isArray(value) && value.length === 0)) {
      throw new SandboxNotModelled(`the sandbox does not model codepipeline action ${key}`);
    }
  }
  if (action.region !== undefined && action.region !== region) {
    throw new SandboxNotModelled('the sandbox does not model cross-region codepipeline actions');
  }
  const type = action.actionTypeId;
  const described = `ActionType (Category: '${type?.category ?? ''}', Provider: '${type?.provider ?? ''}', Owner: '${type?.owner ?? ''}', Version: '${type?.version ?? ''}')`;
  const spec = ACTION_TYPES.find((s) => s.category === type?.category && s.provider === type.provider);
  if (type?.owner === 'AWS' && type.version === '1' && !spec && UNMODELLED_ACTION_TYPES.includes(`${type.category ?? ''}/${type.provider ?? ''}`)) {
    throw new SandboxNotModelled(`the sandbox does not run ${described} actions`);
  }
  if (type?.owner === 'ThirdParty' || type?.owner === 'Custom') throw new SandboxNotModelled(`the sandbox does not run ${described} actions`);
  if (!spec || type?.owner !== 'AWS' || type.version !== '1') {
    throw structure(`${described} in action '${name}' is not available in region '${region.toUpperCase().replace(/-/g, '_')}'`);
  }
  const configuration = { ...(action.configuration ?? {}) };
  for (const key of spec.required) {
    if (!configuration[key]) throw actionDeclaration(`Action configuration for action '${name}' is missing required configuration '${key}'`);
  }
  for (const key of Object.keys(configuration)) {
    if (!spec.required.includes(key) && !spec.optional.includes(key)) {
      throw actionDeclaration(`Action configuration for action '${name}' contains unknown configuration '${key}'`);
    }
  }
  const inputArtifacts = (action.inputArtifacts ?? []).map((a) => checkArtifactName(a.name, name));
  const outputArtifacts = (action.outputArtifacts ?? []).map((a) => checkArtifactName(a.name, name));
  for (const [kind, list, [min, max]] of [['input', inputArtifacts, spec.inputs], ['output', outputArtifacts, spec.outputs]] as const) {
    if (list.length < min || list.length > max) {
      throw actionDeclaration(`Action '${name}' in stage '${stageName}' has ${list.length} ${kind} artifacts: its action type allows between ${min} and ${max}`);
    }
  }
  for (const key of ['TaskDefinitionTemplateArtifact', 'AppSpecTemplateArtifact', 'Image1ArtifactName', 'Image2ArtifactName', 'Image3ArtifactName', 'Image4ArtifactName']) {
    const artifact = spec.provider === 'CodeDeployToECS' ? configuration[key] : undefined;
    if (artifact !== undefined && !inputArtifacts.includes(artifact)) {
      throw actionDeclaration(`${key} '${artifact}' of action '${name}' is not one of the action's input artifacts`);
    }
  }
  const runOrder = action.runOrder ?? 1;
  if (!Number.isInteger(runOrder) || runOrder < 1 || runOrder > 999) {
    throw validation(`1 validation error detected: Value '${runOrder}' at 'runOrder' failed to satisfy constraint: Member must have value between 1 and 999`);
  }
  return {
    name,
    category: spec.category,
    provider: spec.provider,
    runOrder,
    configuration,
    inputArtifacts,
    outputArtifacts,
    ...(action.roleArn ? { roleArn: action.roleArn } : {}),
    ...(action.namespace ? { namespace: action.namespace } : {}),
  };
}

export function checkArtifactName(name: string | undefined, action: string): string {
  if (name === undefined || !ARTIFACT_NAME.test(name)) {
    throw actionDeclaration(`Artifact name '${name ?? ''}' of action '${action}' must be 1 to 100 characters from [a-zA-Z0-9_-]`);
  }
  return name;
}

export function checkTags(existing: Tags, list: Tag[] | undefined): Tags {
  const tags = { ...existing };
  for (const tag of list ?? []) {
    const key = tag.key ?? '';
    if (key.length < 1 || key.length > 128 || key.toLowerCase().startsWith('aws:') || (tag.value ?? '').length > 256) {
      throw new InvalidTagsException({ message: `The tag with key '${key}' is not valid`, $metadata: {} });
    }
    tags[key] = tag.value ?? '';
  }
  if (Object.keys(tags).length > MAX_TAGS) {
    throw new TooManyTagsException({ message: `A resource can have at most ${MAX_TAGS} tags`, $metadata: {} });
  }
  return tags;
}

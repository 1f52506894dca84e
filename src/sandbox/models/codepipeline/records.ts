// CodePipeline's stored records (plain JSON in `data`), and the services its actions call.
import type {
  ActionCategory,
  ActionExecutionStatus,
  ExecutionMode,
  PipelineExecutionStatus,
  PipelineType,
  StageExecutionStatus,
  TriggerType,
} from '@aws-sdk/client-codepipeline';
import type { Tags } from '../../kernel/tags';
import type { CodeBuildSandbox } from '../codebuild';
import type { CodeDeploySandbox } from '../codedeploy';
import type { ConnectionsSandbox } from '../connections';
import type { EcsSandbox } from '../ecs';
import type { IamSandbox } from '../iam';
import type { S3Sandbox } from '../s3';

export const NAME = /^[A-Za-z0-9.@\-_]{1,100}$/;
export const ARTIFACT_NAME = /^[a-zA-Z0-9_-]{1,100}$/;
export const MAX_TAGS = 50;
export const DEFAULT_IMAGE_DEFINITIONS = 'imagedefinitions.json';

// ---- Stored records ----------------------------------------------------------------------------

export interface ActionRecord {
  name: string;
  category: ActionCategory;
  provider: string;
  runOrder: number;
  configuration: Record<string, string>;
  inputArtifacts: string[];
  outputArtifacts: string[];
  roleArn?: string;
  namespace?: string;
}

export interface StageRecord {
  name: string;
  actions: ActionRecord[];
}

/** One version of a pipeline's declaration. */
export interface DeclarationRecord {
  roleArn: string;
  artifactStore: { location: string; encryptionKey?: { id: string; type: 'KMS' } };
  stages: StageRecord[];
  pipelineType: PipelineType;
  executionMode: ExecutionMode;
}

/** A commit on the simulated Git host behind the connections. */
export interface CommitRecord {
  id: string;
  message: string;
  repository: string;
  branch: string;
  /** Simulated seconds. */
  at: number;
}

export interface ActionRunRecord {
  id: string;
  status: ActionExecutionStatus;
  /** Simulated seconds. */
  startedAt: number;
  changedAt: number;
  /** When it finishes by itself; undefined while it waits for someone (a manual approval). */
  endsAt?: number;
  /** Decided when it started (the deploy call failed, no build could start …). */
  failure?: string;
  summary?: string;
  token?: string;
  externalExecutionId?: string;
  externalExecutionUrl?: string;
  lastUpdatedBy?: string;
  /** The commit a source action fetched. */
  revision?: CommitRecord;
}

export interface StageRunRecord {
  status: StageExecutionStatus;
  enteredAt: number;
  /** The runOrder whose actions run now (or ran last). */
  runOrder: number;
  /** By action name, as they started. */
  actions: Record<string, ActionRunRecord>;
}

/** What an output artifact carries from one action to the next. */
export interface ArtifactRecord {
  commitId?: string;
  imageUri?: string;
  containerName?: string;
}

export interface ExecutionRecord {
  id: string;
  /** The pipeline version it runs, whatever updates come later. */
  version: number;
  status: PipelineExecutionStatus;
  statusSummary?: string;
  startedAt: number;
  updatedAt: number;
  trigger: { type: TriggerType; detail: string };
  /** HEAD of each source action's branch when the execution started, by action name. */
  commits: Record<string, CommitRecord>;
  /** The stage it is in, or waits to enter (`waiting`); where it ended once it has. */
  stage: string;
  waiting: boolean;
  waitingSince?: number;
  /** By stage name, for the stages it entered. */
  stageRuns: Record<string, StageRunRecord>;
  /** By artifact name. */
  artifacts: Record<string, ArtifactRecord>;
}

export interface PipelineRecord {
  name: string;
  arn: string;
  createdAt: number;
  updatedAt: number;
  tags: Tags;
  version: number;
  /** Every version's declaration, by version number. */
  versions: Record<string, DeclarationRecord>;
  /** In start order. */
  executions: ExecutionRecord[];
  /** StartPipelineExecution clientRequestToken → execution id. */
  clientTokens: Record<string, string>;
}

export interface CodePipelineData {
  /** By pipeline name. */
  pipelines: Record<string, PipelineRecord>;
  /** The simulated Git host: the head commit of each `<owner>/<repo>#<branch>`. */
  heads: Record<string, CommitRecord>;
}

export type Outcome = { status: 'Succeeded' | 'Failed'; summary?: string };

/** The services this one calls, as AWS's own services call each other (given at construction). */
export type CodePipelinePeers = { codebuild: CodeBuildSandbox; codedeploy: CodeDeploySandbox; connections: ConnectionsSandbox; iam: IamSandbox; ecs: EcsSandbox; s3: S3Sandbox };

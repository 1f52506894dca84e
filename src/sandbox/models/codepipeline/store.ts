// What every CodePipeline family reads: the stored records, their lookups, the source commits, IDs
// and simulated times.
import { InvalidArnException, PipelineNotFoundException, ResourceNotFoundException } from '@aws-sdk/client-codepipeline';
import { createHash } from 'node:crypto';
import { SandboxService } from '../../kernel/service';
import type { LatencyKey, SandboxWorld } from '../../kernel/world';
import type {
  ActionRecord,
  ArtifactRecord,
  CodePipelineData,
  CodePipelinePeers,
  CommitRecord,
  DeclarationRecord,
  ExecutionRecord,
  PipelineRecord,
  StageRecord,
} from './records';

export abstract class CodePipelineStore extends SandboxService<CodePipelineData> {
  readonly service = 'codepipeline' as const;

  constructor(world: SandboxWorld, data: CodePipelineData, protected readonly peers: CodePipelinePeers) {
    super(world, data);
  }

  static empty(): CodePipelineData {
    return { pipelines: {}, heads: {} };
  }

  pipelineArn(name: string): string {
    return this.world.arn('codepipeline', name);
  }

  protected getPipelineRecord(name: string | undefined): PipelineRecord {
    const pipeline = this.data.pipelines[name ?? ''];
    if (!pipeline) {
      throw new PipelineNotFoundException({ message: `Account '${this.world.account}' does not have a pipeline with name '${name ?? ''}'`, $metadata: {} });
    }
    return pipeline;
  }

  protected pipelineByArn(arn: string | undefined): PipelineRecord {
    const prefix = this.pipelineArn('');
    if (arn === undefined || !/^arn:aws[\w-]*:codepipeline:[a-z0-9-]+:\d{12}:[A-Za-z0-9.@\-_]+$/.test(arn)) {
      throw new InvalidArnException({ message: `The ARN ${arn ?? ''} is not valid`, $metadata: {} });
    }
    const pipeline = arn.startsWith(prefix) ? this.data.pipelines[arn.slice(prefix.length)] : undefined;
    if (!pipeline) throw new ResourceNotFoundException({ message: `The resource ${arn} was not found`, $metadata: {} });
    return pipeline;
  }

  protected current(pipeline: PipelineRecord): DeclarationRecord {
    const declaration = pipeline.versions[pipeline.version];
    if (!declaration) throw new Error(`sandbox: pipeline ${pipeline.name} lost version ${pipeline.version}`);
    return declaration;
  }

  protected declarationOf(pipeline: PipelineRecord, execution: ExecutionRecord): DeclarationRecord {
    return pipeline.versions[execution.version] ?? this.current(pipeline);
  }

  protected stageOf(pipeline: PipelineRecord, execution: ExecutionRecord): StageRecord {
    const stage = this.declarationOf(pipeline, execution).stages.find((s) => s.name === execution.stage);
    if (!stage) throw new Error(`sandbox: execution ${execution.id} is in unknown stage ${execution.stage}`);
    return stage;
  }

  /** The head of a branch on the simulated Git host; a branch never pushed to has an initial commit. */
  protected headOf(repository: string, branch: string): CommitRecord {
    return this.data.heads[`${repository}#${branch}`] ?? this.newCommit(repository, branch, 'Initial commit');
  }

  protected newCommit(repository: string, branch: string, message: string): CommitRecord {
    this.world.idCounter += 1;
    const id = createHash('sha1').update(`${repository}#${branch}#${this.world.idCounter}`).digest('hex');
    const commit: CommitRecord = { id, message, repository, branch, at: this.world.now() };
    this.data.heads[`${repository}#${branch}`] = commit;
    return commit;
  }

  /** A UUID-shaped ID from the sandbox's counter: deterministic, never reused. */
  protected newUuid(): string {
    return `00000000-0000-4000-8000-${this.world.newId('x', 12).slice(2)}`;
  }

  protected callerArn(): string {
    return this.world.arn('iam', 'user/sandbox', { region: '' });
  }

  /** The artifact an action reads first (the build's source, the deploy's image definitions). */
  protected inputOf(execution: ExecutionRecord, action: ActionRecord): ArtifactRecord | undefined {
    const primary = action.configuration.PrimarySource ?? action.inputArtifacts[0];
    return primary === undefined ? undefined : execution.artifacts[primary];
  }

  /** `kind`'s latency counted from the simulated time `at` (which may lie before now). */
  protected after(kind: LatencyKey, at: number): number {
    return at + (this.world.readyAt(kind) - this.world.now());
  }
}

// CodePipeline pipelines: created (which starts an execution), read, updated to a new version of
// their declaration, listed, deleted.
import {
  type ActionDeclaration,
  type CreatePipelineCommandInput,
  type CreatePipelineCommandOutput,
  type DeletePipelineCommandInput,
  type DeletePipelineCommandOutput,
  type GetPipelineCommandInput,
  type GetPipelineCommandOutput,
  type ListPipelinesCommandInput,
  type ListPipelinesCommandOutput,
  type PipelineDeclaration,
  PipelineNameInUseException,
  PipelineVersionNotFoundException,
  type StageDeclaration,
  type UpdatePipelineCommandInput,
  type UpdatePipelineCommandOutput,
} from '@aws-sdk/client-codepipeline';
import { SandboxNotModelled } from '../../kernel/errors';
import { pageOf } from '../../kernel/pages';
import type { Out } from '../../kernel/service';
import { checkName, checkStages, checkTags, listLimits, structure, validation } from './declaration';
import { CodePipelineExecutions } from './executions';
import type { DeclarationRecord, PipelineRecord } from './records';
import { dateAt, tagsOut } from './shapes';

export abstract class CodePipelinePipelines extends CodePipelineExecutions {
  // ---- Pipelines -------------------------------------------------------------------------------

  createPipeline(input: CreatePipelineCommandInput): Out<CreatePipelineCommandOutput> {
    const name = checkName(input.pipeline?.name, 'pipeline.name');
    if (this.data.pipelines[name]) {
      throw new PipelineNameInUseException({ message: `A pipeline with the name '${name}' already exists in account '${this.world.account}'`, $metadata: {} });
    }
    const declaration = this.checkDeclaration(input.pipeline);
    const tags = checkTags({}, input.tags);
    const now = this.world.now();
    const pipeline: PipelineRecord = {
      name,
      arn: this.pipelineArn(name),
      createdAt: now,
      updatedAt: now,
      tags,
      version: 1,
      versions: { 1: declaration },
      executions: [],
      clientTokens: {},
    };
    this.data.pipelines[name] = pipeline;
    this.startExecution(pipeline, { type: 'CreatePipeline', detail: this.callerArn() });
    return { pipeline: this.declarationOut(name, declaration, 1), tags: tagsOut(tags) };
  }

  getPipeline(input: GetPipelineCommandInput): Out<GetPipelineCommandOutput> {
    const pipeline = this.getPipelineRecord(input.name);
    const version = input.version ?? pipeline.version;
    const declaration = pipeline.versions[version];
    if (!declaration) {
      throw new PipelineVersionNotFoundException({ message: `Version ${version} of pipeline ${pipeline.name} was not found`, $metadata: {} });
    }
    return {
      pipeline: this.declarationOut(pipeline.name, declaration, version),
      metadata: { pipelineArn: pipeline.arn, created: dateAt(pipeline.createdAt), updated: dateAt(pipeline.updatedAt) },
    };
  }

  updatePipeline(input: UpdatePipelineCommandInput): Out<UpdatePipelineCommandOutput> {
    const pipeline = this.getPipelineRecord(checkName(input.pipeline?.name, 'pipeline.name'));
    this.settle(pipeline);
    const declaration = this.checkDeclaration(input.pipeline);
    pipeline.version += 1;
    pipeline.versions[pipeline.version] = declaration;
    pipeline.updatedAt = this.world.now();
    return { pipeline: this.declarationOut(pipeline.name, declaration, pipeline.version) };
  }

  deletePipeline(input: DeletePipelineCommandInput): Out<DeletePipelineCommandOutput> {
    delete this.data.pipelines[input.name ?? ''];
    return {};
  }

  listPipelines(input: ListPipelinesCommandInput): Out<ListPipelinesCommandOutput> {
    const pipelines = Object.values(this.data.pipelines).sort((a, b) => a.name.localeCompare(b.name));
    const page = pageOf(this.world, pipelines, { max: input.maxResults, token: input.nextToken }, listLimits('ListPipelines', 100, 1000));
    return {
      ...(page.next ? { nextToken: page.next } : {}),
      pipelines: page.items.map((p) => {
        const current = this.current(p);
        return {
          name: p.name,
          version: p.version,
          pipelineType: current.pipelineType,
          executionMode: current.executionMode,
          created: dateAt(p.createdAt),
          updated: dateAt(p.updatedAt),
        };
      }),
    };
  }

  // ---- Validation ------------------------------------------------------------------------------

  private checkDeclaration(input: PipelineDeclaration | undefined): DeclarationRecord {
    if (!input) throw validation(`1 validation error detected: Value null at 'pipeline' failed to satisfy constraint: Member must not be null`);
    if (Object.keys(input.artifactStores ?? {}).length > 0) throw new SandboxNotModelled('the sandbox does not model cross-region artifactStores');
    if (input.variables?.length || input.triggers?.length) throw new SandboxNotModelled('the sandbox does not model pipeline variables or triggers');
    const pipelineType = input.pipelineType ?? 'V1';
    if (pipelineType !== 'V1' && pipelineType !== 'V2') throw validation(`Invalid pipelineType: ${String(pipelineType)}`);
    const executionMode = input.executionMode ?? 'SUPERSEDED';
    if (executionMode === 'PARALLEL') throw new SandboxNotModelled('the sandbox does not model PARALLEL pipeline executions');
    if (executionMode !== 'SUPERSEDED' && executionMode !== 'QUEUED') throw validation(`Invalid executionMode: ${String(executionMode)}`);
    if (executionMode !== 'SUPERSEDED' && pipelineType !== 'V2') {
      throw validation(`Execution mode ${executionMode} is only supported for pipelines of type V2`);
    }
    const roleArn = this.checkRole(input.roleArn);
    const store = input.artifactStore;
    if (!store?.location) throw structure('Pipeline declaration must have an artifactStore with a location');
    if (store.type !== 'S3') throw validation(`Invalid artifact store type: ${String(store.type)}`);
    // The bucket must be this account's, in the pipeline's region.
    let bucketRegion: string | undefined;
    try {
      bucketRegion = this.peers.s3.headBucket({ Bucket: store.location, ExpectedBucketOwner: this.world.account }).BucketRegion;
    } catch {
      bucketRegion = undefined;
    }
    if (bucketRegion !== this.world.region) throw structure(`An error occurred while validating the artifact bucket '${store.location}'`);
    const stages = checkStages(input.stages ?? [], this.world.region);
    return {
      roleArn,
      artifactStore: {
        location: store.location,
        ...(store.encryptionKey?.id ? { encryptionKey: { id: store.encryptionKey.id, type: 'KMS' as const } } : {}),
      },
      stages,
      pipelineType,
      executionMode,
    };
  }

  private checkRole(arn: string | undefined): string {
    if (!this.peers.iam.hasRoleArn(arn)) throw structure(`CodePipeline is not authorized to perform AssumeRole on role ${arn ?? ''}`);
    return arn!;
  }

  private declarationOut(name: string, d: DeclarationRecord, version: number): PipelineDeclaration {
    return {
      name,
      roleArn: d.roleArn,
      artifactStore: { type: 'S3', location: d.artifactStore.location, ...(d.artifactStore.encryptionKey ? { encryptionKey: { ...d.artifactStore.encryptionKey } } : {}) },
      stages: d.stages.map((s): StageDeclaration => ({
        name: s.name,
        actions: s.actions.map((a): ActionDeclaration => ({
          name: a.name,
          actionTypeId: { category: a.category, owner: 'AWS', provider: a.provider, version: '1' },
          runOrder: a.runOrder,
          configuration: { ...a.configuration },
          outputArtifacts: a.outputArtifacts.map((n) => ({ name: n })),
          inputArtifacts: a.inputArtifacts.map((n) => ({ name: n })),
          ...(a.roleArn ? { roleArn: a.roleArn } : {}),
          ...(a.namespace ? { namespace: a.namespace } : {}),
        })),
      })),
      version,
      executionMode: d.executionMode,
      pipelineType: d.pipelineType,
    };
  }
}

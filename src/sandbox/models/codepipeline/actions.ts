// The actions that call other services: a source fetched through the connection, a CodeBuild build,
// an ECS deploy, a CodeDeploy blue/green deployment, a manual approval; each checked against what
// the pipeline's role may do.
import { checkServiceWork, type WorkDenial } from '../service-work';
import {
  type ActionRecord,
  type ActionRunRecord,
  type DeclarationRecord,
  DEFAULT_IMAGE_DEFINITIONS,
  type ExecutionRecord,
  type Outcome,
  type PipelineRecord,
} from './records';
import { actionVariables, commitUrl, errorText } from './shapes';
import { CodePipelineStore } from './store';

export abstract class CodePipelineActions extends CodePipelineStore {
  /** Start one action at simulated time `at`: its side effects happen now, its end is scheduled. */
  protected startAction(declaration: DeclarationRecord, execution: ExecutionRecord, action: ActionRecord, at: number): ActionRunRecord {
    const run: ActionRunRecord = { id: this.newUuid(), status: 'InProgress', startedAt: at, changedAt: at };
    const failAtOnce = (message: string): ActionRunRecord => ({ ...run, endsAt: at, failure: message });
    // The action runs as the pipeline's role (or its own): what the role may not do fails it at once.
    const roleArn = action.roleArn ?? declaration.roleArn;
    const denied = this.deniedWork(roleArn, action);
    if (denied) return failAtOnce(denied);
    switch (action.provider) {
      case 'CodeBuild': {
        const projectName = action.configuration.ProjectName ?? '';
        const input = this.inputOf(execution, action);
        const sourceVersion = input?.commitId;
        const variables = actionVariables(action.configuration.EnvironmentVariables);
        if (typeof variables === 'string') return failAtOnce(variables);
        try {
          const build = this.peers.codebuild.startPipelineBuild({
            projectName,
            startedAt: at,
            artifactBucket: declaration.artifactStore.location,
            ...(sourceVersion ? { sourceVersion } : {}),
            ...(variables.length > 0 ? { variables } : {}),
            ...(input?.imageUri ? { inputImageUri: input.imageUri } : {}),
          });
          const url = `https://console.aws.amazon.com/codesuite/codebuild/${this.world.account}/projects/${projectName}/build/${encodeURIComponent(build.id)}`;
          return { ...run, endsAt: build.endsAt, externalExecutionId: build.id, externalExecutionUrl: url };
        } catch (error) {
          return failAtOnce(`Error calling startBuild: ${errorText(error)}`);
        }
      }
      case 'ECS': {
        const input = this.inputOf(execution, action);
        const file = action.configuration.FileName ?? DEFAULT_IMAGE_DEFINITIONS;
        if (!input?.imageUri) {
          return failAtOnce(`Exception while trying to read the image definitions file ${file} from the input artifact ${action.inputArtifacts[0] ?? ''}`);
        }
        try {
          const taskDefinition = this.peers.ecs.simulatePipelineDeploy({
            cluster: action.configuration.ClusterName ?? '',
            service: action.configuration.ServiceName ?? '',
            image: input.imageUri,
            ...(input.containerName ? { container: input.containerName } : {}),
          });
          return { ...run, endsAt: this.after('codepipeline.stage', at), externalExecutionId: taskDefinition };
        } catch (error) {
          return failAtOnce(errorText(error));
        }
      }
      case 'CodeDeployToECS': {
        const named = action.configuration.Image1ArtifactName;
        const image = named !== undefined
          ? execution.artifacts[named]
          : action.inputArtifacts.map((name) => execution.artifacts[name]).find((artifact) => artifact?.imageUri);
        if (!image?.imageUri) {
          return failAtOnce(`Exception while trying to read the image artifact file from the artifact ${named ?? action.inputArtifacts[0] ?? ''}`);
        }
        try {
          const deployment = this.peers.codedeploy.startPipelineDeployment({
            applicationName: action.configuration.ApplicationName ?? '',
            deploymentGroupName: action.configuration.DeploymentGroupName ?? '',
            image: image.imageUri,
            ...(image.containerName ? { container: image.containerName } : {}),
            startedAt: at,
          });
          const url = `https://console.aws.amazon.com/codesuite/codedeploy/deployments/${deployment.id}?region=${this.world.region}`;
          return { ...run, externalExecutionId: deployment.id, externalExecutionUrl: url, ...(deployment.endsAt !== undefined ? { endsAt: deployment.endsAt } : {}) };
        } catch (error) {
          return failAtOnce(errorText(error));
        }
      }
      case 'Manual':
        return { ...run, token: this.newUuid() };
      default:
        // Source (checked when it ends).
        return { ...run, endsAt: this.after('codepipeline.stage', at) };
    }
  }

  /** What the role's policies deny of the action's work (service-work.ts), as the summary the action fails with. */
  private deniedWork(roleArn: string, action: ActionRecord): string | undefined {
    const iam = this.peers.iam;
    const place = { account: this.world.account, region: this.world.region, partition: this.world.partition };
    const config = action.configuration;
    let denial: WorkDenial | undefined;
    switch (action.provider) {
      case 'CodeBuild':
        denial = checkServiceWork(iam, place, roleArn, 'pipelineBuild', { projectName: config.ProjectName ?? '' });
        break;
      case 'ECS': {
        const executionRoleArn = this.peers.ecs.executionRoleOf(config.ClusterName ?? '', config.ServiceName ?? '');
        const taskRoleArn = this.peers.ecs.taskRoleOf(config.ClusterName ?? '', config.ServiceName ?? '');
        denial = checkServiceWork(iam, place, roleArn, 'pipelineEcsDeploy', {
          cluster: config.ClusterName ?? '',
          service: config.ServiceName ?? '',
          ...(executionRoleArn ? { executionRoleArn } : {}),
          ...(taskRoleArn ? { taskRoleArn } : {}),
        });
        break;
      }
      case 'CodeDeployToECS': {
        const target = this.peers.codedeploy.deploymentTargetOf(config.ApplicationName ?? '', config.DeploymentGroupName ?? '');
        const executionRoleArn = target ? this.peers.ecs.executionRoleOf(target.cluster, target.service) : undefined;
        const taskRoleArn = target ? this.peers.ecs.taskRoleOf(target.cluster, target.service) : undefined;
        denial = checkServiceWork(iam, place, roleArn, 'pipelineCodeDeployToEcs', {
          application: config.ApplicationName ?? '',
          group: config.DeploymentGroupName ?? '',
          config: target?.deploymentConfigName ?? 'CodeDeployDefault.ECSAllAtOnce',
          ...(executionRoleArn ? { executionRoleArn } : {}),
          ...(taskRoleArn ? { taskRoleArn } : {}),
        });
        break;
      }
      default:
        return undefined;
    }
    return denial?.message;
  }

  /** How an action that ran its time ended. */
  protected outcomeOf(pipeline: PipelineRecord, execution: ExecutionRecord, action: ActionRecord, run: ActionRunRecord): Outcome {
    if (run.failure !== undefined) return { status: 'Failed', summary: run.failure };
    if (action.provider === 'CodeStarSourceConnection') return this.fetchSource(pipeline, execution, action, run);
    if (action.provider === 'CodeBuild') {
      const result = this.peers.codebuild.pipelineBuildResult(run.externalExecutionId ?? '');
      if (result.status !== 'SUCCEEDED') return { status: 'Failed', summary: result.message ?? `Build terminated with state: ${result.status}` };
      const commitId = this.inputOf(execution, action)?.commitId;
      for (const output of action.outputArtifacts) {
        execution.artifacts[output] = {
          ...(commitId ? { commitId } : {}),
          ...(result.imageUri ? { imageUri: result.imageUri } : {}),
          ...(result.containerName ? { containerName: result.containerName } : {}),
        };
      }
      return { status: 'Succeeded' };
    }
    if (action.provider === 'CodeDeployToECS') {
      const result = this.peers.codedeploy.pipelineDeploymentResult(run.externalExecutionId ?? '');
      if (result.status === 'Succeeded') return { status: 'Succeeded' };
      return { status: 'Failed', summary: result.message ?? `Deployment ${run.externalExecutionId ?? ''} ended with status ${result.status}` };
    }
    return { status: 'Succeeded' };
  }

  /** A deployment ends when CodeDeploy says: a ready wait or a ContinueDeployment moves its end. */
  protected followDeployment(run: ActionRunRecord): void {
    if (run.failure !== undefined || run.externalExecutionId === undefined) return;
    const { endsAt } = this.peers.codedeploy.pipelineDeploymentResult(run.externalExecutionId);
    if (endsAt === undefined) delete run.endsAt;
    else run.endsAt = endsAt;
  }

  /** The source action fetches the commit the execution started with, through the connection. */
  private fetchSource(pipeline: PipelineRecord, execution: ExecutionRecord, action: ActionRecord, run: ActionRunRecord): Outcome {
    const arn = action.configuration.ConnectionArn ?? '';
    let status: string | undefined;
    try {
      status = this.peers.connections.getConnection({ ConnectionArn: arn }).Connection?.ConnectionStatus;
    } catch (error) {
      return { status: 'Failed', summary: `Connection ${arn} is not available: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (status !== 'AVAILABLE') {
      return {
        status: 'Failed',
        summary: `Connection ${arn} is not available: its status is ${status ?? 'unknown'}. Complete the connection in the console, then retry.`,
      };
    }
    const declaration = this.declarationOf(pipeline, execution);
    const denial = checkServiceWork(this.peers.iam, { account: this.world.account, region: this.world.region, partition: this.world.partition }, action.roleArn ?? declaration.roleArn, 'pipelineSource', {
      connectionArn: arn,
      bucket: declaration.artifactStore.location,
      pipeline: pipeline.name,
    });
    if (denial) return { status: 'Failed', summary: denial.message };
    const commit = execution.commits[action.name];
    if (!commit) return { status: 'Failed', summary: `No commit found for branch ${action.configuration.BranchName ?? ''}` };
    run.revision = commit;
    run.externalExecutionId = commit.id;
    run.externalExecutionUrl = commitUrl(commit);
    for (const output of action.outputArtifacts) execution.artifacts[output] = { commitId: commit.id };
    return { status: 'Succeeded', summary: commit.message };
  }
}

// CodeDeploy (simulated): applications, ECS blue/green deployment groups, and deployments that
// really move an ECS service to a new task definition and its production listener to the other
// target group. The behaviour is specified in src/sandbox/README.md ("CodeDeploy"). One file per
// family, each class building on the one before: store → applications → deployment groups →
// deployments → this one (tags, helpers for tests and CodePipeline, inventory).
import {
  InvalidECSServiceException,
  type ListTagsForResourceCommandInput,
  type ListTagsForResourceCommandOutput,
  type TagResourceCommandInput,
  type TagResourceCommandOutput,
  type UntagResourceCommandInput,
  type UntagResourceCommandOutput,
} from '@aws-sdk/client-codedeploy';
import type { InventoryItem, Out } from '../../kernel/service';
import { tagsFromList, tagsToList } from '../../kernel/tags';
import { appSpecRevision } from './appspec';
import { cdError, groupKey } from './checks';
import { CodeDeployDeployments } from './deployments';
import type { PipelineDeploymentResult } from './records';

export type { CodeDeployData, CodeDeployPeers, PipelineDeploymentResult } from './records';

export class CodeDeploySandbox extends CodeDeployDeployments {
  // ---- Tags ------------------------------------------------------------------------------------

  tagResource(input: TagResourceCommandInput): Out<TagResourceCommandOutput> {
    Object.assign(this.taggable(input.ResourceArn).tags, tagsFromList(input.Tags));
    return {};
  }

  untagResource(input: UntagResourceCommandInput): Out<UntagResourceCommandOutput> {
    const resource = this.taggable(input.ResourceArn);
    for (const key of input.TagKeys ?? []) delete resource.tags[key];
    return {};
  }

  listTagsForResource(input: ListTagsForResourceCommandInput): Out<ListTagsForResourceCommandOutput> {
    return { Tags: tagsToList(this.taggable(input.ResourceArn).tags) };
  }

  // ---- Non-AWS helpers -------------------------------------------------------------------------

  /** The next deployment of the group fails when its replacement task set should be up. */
  simulateDeploymentFailure(groupName: string, applicationName?: string): void {
    const groups = Object.values(this.data.deploymentGroups).filter(
      (g) => g.name === groupName && (applicationName === undefined || g.applicationName === applicationName),
    );
    const [group, ...others] = groups;
    if (!group) throw new Error(`sandbox: no deployment group ${groupName}`);
    if (others.length > 0) throw new Error(`sandbox: several applications have a deployment group ${groupName}: name the application`);
    group.failNextDeployments += 1;
  }

  /**
   * What a CodePipeline CodeDeployToECS action does: register a new revision of the group's
   * service's task definition with the build's image (the service keeps running the old one), and
   * deploy it with an AppSpec naming it, from simulated time `startedAt`.
   */
  startPipelineDeployment(input: {
    applicationName: string;
    deploymentGroupName: string;
    image: string;
    container?: string;
    startedAt: number;
  }): { id: string; endsAt?: number } {
    const group = this.group(input.applicationName, input.deploymentGroupName);
    this.checkNoActiveDeployment(group);
    const ecs = this.peers.ecs;
    const service = ecs.describeServices({ cluster: group.clusterName, services: [group.serviceName] }).services?.[0];
    const target = service?.loadBalancers?.[0];
    if (!target?.containerName || target.containerPort === undefined) {
      throw cdError(InvalidECSServiceException, `The ECS service ${group.serviceName} has no load balancer container to deploy to.`);
    }
    const taskDefinition = ecs.registerImageRevision({
      cluster: group.clusterName,
      service: group.serviceName,
      image: input.image,
      container: input.container ?? target.containerName,
    });
    const deployment = this.startDeployment(group, {
      revision: appSpecRevision({ taskDefinition, containerName: target.containerName, containerPort: target.containerPort }),
      createdAt: input.startedAt,
      creator: 'user',
    });
    const endsAt = this.endOf(deployment);
    return { id: deployment.id, ...(endsAt !== undefined ? { endsAt } : {}) };
  }

  /** The ECS service a group deploys and its configuration (non-AWS helper); undefined when no such group. */
  deploymentTargetOf(applicationName: string, groupName: string): { cluster: string; service: string; deploymentConfigName: string } | undefined {
    const group = this.data.deploymentGroups[groupKey(applicationName, groupName)];
    return group ? { cluster: group.clusterName, service: group.serviceName, deploymentConfigName: group.deploymentConfigName } : undefined;
  }

  pipelineDeploymentResult(id: string): PipelineDeploymentResult {
    const deployment = this.data.deployments[id];
    if (!deployment) return { status: 'Failed', message: `Deployment ${id} could not be found` };
    this.settle(deployment);
    const endsAt = this.endOf(deployment);
    const message = deployment.errorInformation?.message;
    return {
      status: deployment.status,
      ...(message !== undefined ? { message: `Deployment ${id} ${deployment.status.toLowerCase()}: ${message}` } : {}),
      ...(endsAt !== undefined ? { endsAt } : {}),
    };
  }

  /** Bring every deployment up to the simulated clock (reads do this for what they read). */
  settleAll(): void {
    for (const deployment of Object.values(this.data.deployments)) this.settle(deployment);
  }

  inventory(): InventoryItem[] {
    this.settleAll();
    const items: InventoryItem[] = [];
    for (const application of Object.values(this.data.applications)) {
      items.push({ service: 'codedeploy', type: 'application', id: this.applicationArn(application.name), key: application.name, tags: { ...application.tags } });
    }
    for (const group of Object.values(this.data.deploymentGroups)) {
      const key = groupKey(group.applicationName, group.name);
      items.push({ service: 'codedeploy', type: 'deployment-group', id: this.groupArn(group.applicationName, group.name), key, tags: { ...group.tags } });
    }
    return items;
  }
}

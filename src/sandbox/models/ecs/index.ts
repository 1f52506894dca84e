// ECS (simulated): clusters, task definitions, Fargate services and the tasks they run.
//
// Behaviour, as AWS documents it:
// - Tags: TagResource / UntagResource / ListTagsForResource for cluster, service and task
//   definition ARNs (unknown cluster → ClusterNotFoundException, other unknown resources →
//   ResourceNotFoundException, anything else → InvalidParameterException).
// - inventory(): `cluster` (ACTIVE, key name), `service` (not INACTIVE, key cluster/name),
//   `task-definition` (ACTIVE revisions, key family:revision), each with its tags.
//
// The model is one class built in layers, one file per resource family (records.ts: what it
// stores; model.ts: lookups every family shares; task-definitions.ts, tasks.ts, services.ts,
// clusters.ts; deploys.ts: what CodePipeline and CodeDeploy do to ECS; exec.ts: ECS Exec), each
// extending the one before; this one adds tags and the inventory.
import {
  type ListTagsForResourceCommandInput,
  type ListTagsForResourceCommandOutput,
  type TagResourceCommandInput,
  type TagResourceCommandOutput,
  type UntagResourceCommandInput,
  type UntagResourceCommandOutput,
} from '@aws-sdk/client-ecs';
import { type InventoryItem, type Out } from '../../kernel/service';
import { type EcsData } from './records';
import { invalidParameter, tagsFromEcs, tagsToEcs } from './shared';
import { EcsExec } from './exec';

export type { EcsData, EcsPeers } from './records';

export class EcsSandbox extends EcsExec {
  readonly service = 'ecs' as const;

  static empty(): EcsData {
    return { clusters: {}, taskDefinitions: {}, familyRevisions: {}, services: {}, tasks: {} };
  }

  // ---- Tags ------------------------------------------------------------------------------------

  tagResource(input: TagResourceCommandInput): Out<TagResourceCommandOutput> {
    const resource = this.taggable(input.resourceArn);
    for (const tag of input.tags ?? []) {
      if (tag.key?.toLowerCase().startsWith('aws:')) throw invalidParameter('Tag keys prefixed with aws: are reserved for AWS use.');
    }
    Object.assign(resource.tags, tagsFromEcs(input.tags));
    return {};
  }

  untagResource(input: UntagResourceCommandInput): Out<UntagResourceCommandOutput> {
    const resource = this.taggable(input.resourceArn);
    for (const key of input.tagKeys ?? []) delete resource.tags[key];
    return {};
  }

  listTagsForResource(input: ListTagsForResourceCommandInput): Out<ListTagsForResourceCommandOutput> {
    return { tags: tagsToEcs(this.taggable(input.resourceArn).tags) };
  }

  /** Bring every service's tasks up to the simulated clock (reads do this for what they read). */
  settleAll(): void {
    for (const service of Object.values(this.data.services)) this.settle(service);
  }

  inventory(): InventoryItem[] {
    this.settleAll();
    const items: InventoryItem[] = [];
    for (const cluster of Object.values(this.data.clusters)) {
      if (cluster.status === 'ACTIVE') items.push({ service: 'ecs', type: 'cluster', id: cluster.arn, key: cluster.name, tags: { ...cluster.tags } });
    }
    for (const service of Object.values(this.data.services)) {
      if (service.status === 'INACTIVE') continue;
      const clusterName = this.data.clusters[service.clusterArn]?.name ?? service.clusterArn;
      items.push({ service: 'ecs', type: 'service', id: service.arn, key: `${clusterName}/${service.name}`, tags: { ...service.tags } });
    }
    for (const td of Object.values(this.data.taskDefinitions)) {
      if (td.status === 'ACTIVE') {
        items.push({ service: 'ecs', type: 'task-definition', id: td.arn, key: `${td.family}:${td.revision}`, tags: { ...td.tags } });
      }
    }
    return items;
  }
}

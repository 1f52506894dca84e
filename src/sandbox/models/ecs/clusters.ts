// ECS (simulated): clusters.
//
// - Clusters: CreateCluster (name defaults to `default`; an ACTIVE cluster of that name is returned
//   unchanged; an INACTIVE one is replaced by a new ACTIVE cluster with the same ARN; settings
//   default to containerInsights=disabled). DescribeClusters (up to 100 names or ARNs, default `default`;
//   unknown or never-created → `failures` with reason MISSING; INACTIVE clusters are described;
//   tags only with include TAGS, settings only with include SETTINGS; activeServicesCount,
//   runningTasksCount, pendingTasksCount computed). ListClusters (ACTIVE ones, 100 a page). DeleteCluster
//   (ClusterContainsServicesException while an ACTIVE or DRAINING service is in it,
//   ClusterContainsTasksException while a task has not stopped, ClusterNotFoundException when
//   unknown or already INACTIVE; afterwards INACTIVE, still describable). UpdateClusterSettings
//   (containerInsights: enhanced, enabled or disabled; another name or value → InvalidParameterException). Every other call naming
//   an unknown or INACTIVE cluster → ClusterNotFoundException "Cluster not found.".
import {
  ClusterContainsServicesException,
  ClusterContainsTasksException,
  type Cluster,
  type ClusterSetting,
  type CreateClusterCommandInput,
  type CreateClusterCommandOutput,
  type DeleteClusterCommandInput,
  type DeleteClusterCommandOutput,
  type DescribeClustersCommandInput,
  type DescribeClustersCommandOutput,
  type Failure,
  type ListClustersCommandInput,
  type ListClustersCommandOutput,
  type UpdateClusterSettingsCommandInput,
  type UpdateClusterSettingsCommandOutput,
} from '@aws-sdk/client-ecs';
import { type Out } from '../../kernel/service';
import { type ClusterRecord, MAX_DESCRIBED_CLUSTERS, NAME } from './records';
import { invalidParameter, tagsFromEcs, tagsToEcs } from './shared';
import { EcsServices } from './services';

export abstract class EcsClusters extends EcsServices {
  createCluster(input: CreateClusterCommandInput): Out<CreateClusterCommandOutput> {
    const name = input.clusterName ?? 'default';
    if (!NAME.test(name)) {
      throw invalidParameter('Invalid cluster name: up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.');
    }
    const arn = this.clusterArn(name);
    const existing = this.data.clusters[arn];
    if (existing?.status === 'ACTIVE') return { cluster: this.clusterOut(existing, ['TAGS', 'SETTINGS']) };
    const settings = mergedSettings([{ name: 'containerInsights', value: 'disabled' }], input.settings ?? []);
    const cluster: ClusterRecord = { arn, name, status: 'ACTIVE', settings, tags: tagsFromEcs(input.tags) };
    this.data.clusters[arn] = cluster;
    return { cluster: this.clusterOut(cluster, ['TAGS', 'SETTINGS']) };
  }

  describeClusters(input: DescribeClustersCommandInput): Out<DescribeClustersCommandOutput> {
    const refs = input.clusters ?? ['default'];
    if (refs.length > MAX_DESCRIBED_CLUSTERS) throw invalidParameter(`clusters can have at most ${MAX_DESCRIBED_CLUSTERS} items.`);
    const clusters: Cluster[] = [];
    const failures: Failure[] = [];
    for (const ref of refs) {
      const arn = this.clusterArnOf(ref);
      const cluster = this.data.clusters[arn];
      if (!cluster) failures.push({ arn, reason: 'MISSING' });
      else clusters.push(this.clusterOut(cluster, input.include ?? []));
    }
    return { clusters, failures };
  }

  /** Container Insights on or off for a cluster (`enhanced`, `enabled`, `disabled`). */
  updateClusterSettings(input: UpdateClusterSettingsCommandInput): Out<UpdateClusterSettingsCommandOutput> {
    if (!input.cluster) throw invalidParameter('cluster can not be blank.');
    if (!input.settings?.length) throw invalidParameter('settings can not be empty.');
    const cluster = this.activeCluster(input.cluster);
    cluster.settings = mergedSettings(cluster.settings, input.settings);
    return { cluster: this.clusterOut(cluster, ['SETTINGS']) };
  }

  listClusters(input: ListClustersCommandInput): Out<ListClustersCommandOutput> {
    const active = Object.values(this.data.clusters).filter((c) => c.status === 'ACTIVE');
    const { items, nextToken } = this.page('ListClusters', active, input, { awsDefault: 100, awsMax: 100 }, null);
    return { clusterArns: items.map((c) => c.arn), ...(nextToken ? { nextToken } : {}) };
  }

  deleteCluster(input: DeleteClusterCommandInput): Out<DeleteClusterCommandOutput> {
    const cluster = this.activeCluster(input.cluster);
    const services = this.servicesIn(cluster);
    services.forEach((s) => this.settle(s));
    if (services.some((s) => s.status !== 'INACTIVE')) {
      throw new ClusterContainsServicesException({ message: 'The Cluster cannot be deleted while Services are active.', $metadata: {} });
    }
    if (this.tasksIn(cluster).some((t) => t.lastStatus !== 'STOPPED')) {
      throw new ClusterContainsTasksException({ message: 'The Cluster cannot be deleted while Tasks are active.', $metadata: {} });
    }
    cluster.status = 'INACTIVE';
    return { cluster: this.clusterOut(cluster, ['TAGS', 'SETTINGS']) };
  }

  protected clusterOut(cluster: ClusterRecord, include: string[]): Cluster {
    const services = this.servicesIn(cluster);
    services.forEach((s) => this.settle(s));
    const tasks = this.tasksIn(cluster);
    return {
      clusterArn: cluster.arn,
      clusterName: cluster.name,
      status: cluster.status,
      registeredContainerInstancesCount: 0,
      runningTasksCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
      pendingTasksCount: tasks.filter((t) => t.lastStatus === 'PENDING').length,
      activeServicesCount: services.filter((s) => s.status === 'ACTIVE').length,
      statistics: [],
      capacityProviders: [],
      defaultCapacityProviderStrategy: [],
      ...(include.includes('TAGS') ? { tags: tagsToEcs(cluster.tags) } : {}),
      ...(include.includes('SETTINGS') ? { settings: cluster.settings.map((s) => ({ ...s })) } : {}),
    };
  }
}

const CONTAINER_INSIGHTS: readonly string[] = ['enhanced', 'enabled', 'disabled'];

/** `settings` over `base`, each checked: the one setting a cluster has is containerInsights. */
function mergedSettings(base: readonly ClusterSetting[], settings: readonly ClusterSetting[]): ClusterSetting[] {
  const merged = base.map((s) => ({ ...s }));
  for (const setting of settings) {
    if (setting.name !== 'containerInsights') throw invalidParameter(`Invalid cluster setting name '${setting.name ?? ''}': the valid name is containerInsights.`);
    if (!CONTAINER_INSIGHTS.includes(setting.value ?? '')) {
      throw invalidParameter(`Invalid value '${setting.value ?? ''}' for containerInsights: valid values are ${CONTAINER_INSIGHTS.join(', ')}.`);
    }
    const index = merged.findIndex((s) => s.name === setting.name);
    if (index >= 0) merged.splice(index, 1);
    merged.push({ name: setting.name, value: setting.value });
  }
  return merged;
}

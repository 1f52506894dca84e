// ECS (simulated): the base of the model. The model is one class built in layers, one file per
// resource family, each extending the one before (model → task definitions → tasks → services →
// clusters → deploys → index: tags and inventory), so the dispatcher sees one object whose
// methods are the API. Lookups every family makes, IDs and times live here, below them all.
import {
  ClusterNotFoundException,
  ResourceNotFoundException,
  ServiceNotFoundException,
} from '@aws-sdk/client-ecs';
import { SandboxService } from '../../kernel/service';
import type { Tags } from '../../kernel/tags';
import type { SandboxWorld } from '../../kernel/world';
import {
  type ClusterRecord,
  type TaskDefinitionRecord,
  type DeploymentRecord,
  type ServiceRecord,
  type TaskRecord,
  type EcsData,
  type EcsPeers,
  MAX_EVENTS,
} from './records';
import { invalidParameter, serviceNameOf } from './shared';
import { pageOf } from '../../kernel/pages';

export abstract class EcsModel extends SandboxService<EcsData> {
  constructor(world: SandboxWorld, data: EcsData, protected readonly peers: EcsPeers) {
    super(world, data);
  }

  /**
   * One page of a list call's answer (maxResults / nextToken), in the order ECS lists it, with the
   * token to the next (absent on the last). `pageSize` is the operation's default and maximum page;
   * `scope` what else the call was asked (a token is good only with the same filters).
   */
  protected page<T>(
    operation: string,
    items: readonly T[],
    input: { maxResults?: number; nextToken?: string },
    pageSize: { awsDefault: number; awsMax: number },
    scope: unknown,
  ): { items: T[]; nextToken?: string } {
    const page = pageOf(
      this.world,
      items,
      { max: input.maxResults, token: input.nextToken, scope: JSON.stringify(scope ?? null) },
      { operation, ...pageSize, invalid: invalidParameter },
    );
    return { items: page.items, ...(page.next !== undefined ? { nextToken: page.next } : {}) };
  }

  // ---- Lookups ---------------------------------------------------------------------------------

  protected clusterArn(name: string): string {
    return this.world.arn('ecs', `cluster/${name}`);
  }

  protected clusterArnOf(ref: string): string {
    return ref.startsWith('arn:') ? ref : this.clusterArn(ref);
  }

  protected activeCluster(ref: string | undefined): ClusterRecord {
    const cluster = this.data.clusters[this.clusterArnOf(ref ?? 'default')];
    if (!cluster || cluster.status !== 'ACTIVE') throw new ClusterNotFoundException({ message: 'Cluster not found.', $metadata: {} });
    return cluster;
  }

  protected servicesIn(cluster: ClusterRecord): ServiceRecord[] {
    return Object.values(this.data.services).filter((s) => s.clusterArn === cluster.arn);
  }

  protected findService(cluster: ClusterRecord, ref: string): ServiceRecord | undefined {
    return this.data.services[this.world.arn('ecs', `service/${cluster.name}/${serviceNameOf(ref)}`)];
  }

  protected existingService(cluster: ClusterRecord, ref: string | undefined): ServiceRecord {
    const service = this.findService(cluster, ref ?? '');
    if (!service) throw new ServiceNotFoundException({ message: 'Service not found.', $metadata: {} });
    return service;
  }

  protected primary(service: ServiceRecord): DeploymentRecord {
    const primary = service.deployments.find((d) => d.status === 'PRIMARY');
    if (!primary) throw new Error(`sandbox: service ${service.arn} has no PRIMARY deployment`);
    return primary;
  }

  protected taskDefinitionArn(family: string, revision: number): string {
    return this.world.arn('ecs', `task-definition/${family}:${revision}`);
  }

  /** By ARN, `family:revision`, or `family` (its latest ACTIVE revision). */
  protected findTaskDefinition(ref: string): TaskDefinitionRecord | undefined {
    if (ref.startsWith('arn:')) return this.data.taskDefinitions[ref];
    const [family, revision, ...rest] = ref.split(':');
    if (!family || rest.length > 0) return undefined;
    if (revision !== undefined) return /^\d+$/.test(revision) ? this.data.taskDefinitions[this.taskDefinitionArn(family, Number(revision))] : undefined;
    return Object.values(this.data.taskDefinitions)
      .filter((td) => td.family === family && td.status === 'ACTIVE')
      .sort((a, b) => b.revision - a.revision)[0];
  }

  protected taskDefinitionRecord(arn: string): TaskDefinitionRecord {
    const record = this.data.taskDefinitions[arn];
    if (!record) throw new Error(`sandbox: task definition ${arn} is referenced but not stored`);
    return record;
  }

  protected tasksIn(cluster: ClusterRecord): TaskRecord[] {
    return Object.values(this.data.tasks).filter((t) => t.clusterArn === cluster.arn);
  }

  protected tasksOf(service: ServiceRecord): TaskRecord[] {
    return Object.values(this.data.tasks).filter((t) => t.serviceArn === service.arn);
  }

  protected liveTasksOf(service: ServiceRecord): TaskRecord[] {
    return this.tasksOf(service).filter((t) => t.lastStatus !== 'STOPPED');
  }

  protected taggable(arn: string | undefined): { tags: Tags } {
    const match = /^arn:aws[\w-]*:ecs:[^:]*:\d*:(cluster|service|task-definition)\/(.+)$/.exec(arn ?? '');
    if (!arn || !match) throw invalidParameter('The ARN provided is invalid.');
    if (match[1] === 'cluster') {
      const cluster = this.data.clusters[arn];
      if (!cluster) throw new ClusterNotFoundException({ message: 'Cluster not found.', $metadata: {} });
      return cluster;
    }
    const resource = match[1] === 'service' ? this.data.services[arn] : this.data.taskDefinitions[arn];
    if (!resource) throw new ResourceNotFoundException({ message: 'The specified resource wasn\'t found.', $metadata: {} });
    return resource;
  }

  protected event(service: ServiceRecord, message: string, at = this.world.now()): void {
    service.events.unshift({ id: this.uuid(), at, message });
    if (service.events.length > MAX_EVENTS) service.events.length = MAX_EVENTS;
  }

  // ---- IDs and times ---------------------------------------------------------------------------

  protected hexId(digits: number): string {
    return this.world.newId('x', digits).slice(2);
  }

  protected uuid(): string {
    const h = this.hexId(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** A simulated-seconds time as the wall-clock date the sandbox reports. */
  protected dateAt(simSeconds: number): Date {
    return new Date(this.world.nowDate().getTime() + (simSeconds - this.world.now()) * 1000);
  }
}

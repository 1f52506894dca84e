// ECS (simulated): task definitions, their revisions and Fargate's CPU/memory table.
//
// - Task definitions: RegisterTaskDefinition (revision n+1 of the family, counting revisions that
//   were deregistered or deleted; cpu/memory accept "256" or "0.25 vCPU", "512" or "0.5 GB" and
//   are stored as units/MiB strings; container defaults filled in as AWS returns them: essential
//   true, cpu 0, hostPort = containerPort under awsvpc, protocol tcp, empty environment,
//   mountPoints, volumesFrom; ClientException for: no containers, a container without name or
//   image, FARGATE without networkMode awsvpc / task cpu / task memory, a cpu/memory pair Fargate
//   does not offer ("No Fargate configuration exists for given values: …"), awsvpc host ports
//   differing from container ports, awslogs on FARGATE without executionRoleArn, no essential
//   container, a non-Fargate container without memory when the task has none).
//   DescribeTaskDefinition (family → latest ACTIVE revision, family:revision, or ARN; include
//   TAGS; unknown → ClientException "Unable to describe task definition."). ListTaskDefinitions
//   (familyPrefix is an exact family name, as in AWS; status default ACTIVE; sort ASC/DESC; 100 a page).
//   DeregisterTaskDefinition (family:revision or ARN; → INACTIVE, still describable; running
//   services keep running it). DeleteTaskDefinitions (only INACTIVE revisions →
//   DELETE_IN_PROGRESS, still describable; others → `failures`).
import {
  type ContainerDefinition,
  type DeleteTaskDefinitionsCommandInput,
  type DeleteTaskDefinitionsCommandOutput,
  type DeregisterTaskDefinitionCommandInput,
  type DeregisterTaskDefinitionCommandOutput,
  type DescribeTaskDefinitionCommandInput,
  type DescribeTaskDefinitionCommandOutput,
  type Failure,
  type ListTaskDefinitionsCommandInput,
  type ListTaskDefinitionsCommandOutput,
  type NetworkMode,
  type RegisterTaskDefinitionCommandInput,
  type RegisterTaskDefinitionCommandOutput,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { type Out } from '../../kernel/service';
import { type TaskDefinitionRecord, NAME } from './records';
import { clientError, invalidParameter, tagsFromEcs, tagsToEcs } from './shared';
import { EcsModel } from './model';

/** Fargate's task sizes: CPU units → the memory values (MiB) it accepts. */
const FARGATE_SIZES: Record<number, number[]> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

export abstract class EcsTaskDefinitions extends EcsModel {
  registerTaskDefinition(input: RegisterTaskDefinitionCommandInput): Out<RegisterTaskDefinitionCommandOutput> {
    const family = input.family ?? '';
    if (!NAME.test(family)) {
      throw clientError('Family contains invalid characters: up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.');
    }
    const requiresCompatibilities = [...(input.requiresCompatibilities ?? [])];
    const fargate = requiresCompatibilities.includes('FARGATE');
    const networkMode: NetworkMode = input.networkMode ?? 'bridge';
    const containers = input.containerDefinitions ?? [];
    if (containers.length === 0) throw clientError('Container list cannot be empty.');
    for (const container of containers) {
      if (!container.name) throw clientError('Container.name should not be null or empty.');
      if (!container.image) throw clientError('Container.image should not be null or empty.');
    }
    if (new Set(containers.map((c) => c.name)).size !== containers.length) throw clientError('Container names must be unique.');

    const cpu = input.cpu === undefined ? undefined : parseCpu(input.cpu);
    const memory = input.memory === undefined ? undefined : parseMemory(input.memory);
    if (cpu === null) throw clientError(`Invalid 'cpu' setting for task.`);
    if (memory === null) throw clientError(`Invalid 'memory' setting for task.`);
    if (fargate) {
      if (networkMode !== 'awsvpc') throw clientError('Fargate only supports network mode ‘awsvpc’.');
      if (cpu === undefined) throw clientError(`Fargate requires that 'cpu' be defined at the task level.`);
      if (memory === undefined) throw clientError(`Fargate requires that 'memory' be defined at the task level.`);
      const windows = input.runtimePlatform?.operatingSystemFamily?.startsWith('WINDOWS') ?? false;
      if (!(FARGATE_SIZES[cpu] ?? []).includes(memory) || (windows && cpu < 1024)) {
        throw clientError(
          `No Fargate configuration exists for given values: ${cpu} CPU, ${memory} memory. See the Amazon ECS documentation for the valid values.`,
        );
      }
    } else if (memory === undefined) {
      const without = containers.find((c) => c.memory === undefined && c.memoryReservation === undefined);
      if (without) {
        throw clientError(`Invalid setting for container '${without.name}'. At least one of 'memory' or 'memoryReservation' must be specified.`);
      }
    }
    for (const container of containers) {
      for (const mapping of container.portMappings ?? []) {
        if (networkMode === 'awsvpc' && mapping.hostPort !== undefined && mapping.hostPort !== mapping.containerPort) {
          throw clientError('When networkMode=awsvpc, the host ports and container ports in port mappings must match.');
        }
      }
      if (fargate && container.logConfiguration?.logDriver === 'awslogs' && !input.executionRoleArn) {
        throw clientError('Fargate requires task definition to have execution role ARN to support log driver awslogs.');
      }
    }
    if (!containers.some((c) => c.essential !== false)) {
      throw clientError('A task definition must have at least one essential container.');
    }

    const revision = (this.data.familyRevisions[family] ?? 0) + 1;
    this.data.familyRevisions[family] = revision;
    const record: TaskDefinitionRecord = {
      arn: this.taskDefinitionArn(family, revision),
      family,
      revision,
      status: 'ACTIVE',
      requiresCompatibilities,
      compatibilities: fargate ? ['EC2', 'FARGATE'] : ['EC2'],
      networkMode,
      ...(cpu !== undefined ? { cpu: String(cpu) } : {}),
      ...(memory !== undefined ? { memory: String(memory) } : {}),
      ...(input.runtimePlatform ? { runtimePlatform: { ...input.runtimePlatform } } : {}),
      ...(input.executionRoleArn ? { executionRoleArn: input.executionRoleArn } : {}),
      ...(input.taskRoleArn ? { taskRoleArn: input.taskRoleArn } : {}),
      containerDefinitions: containers.map((c) => withContainerDefaults(c, networkMode)),
      volumes: input.volumes ?? [],
      tags: tagsFromEcs(input.tags),
      registeredAt: this.world.now(),
    };
    this.data.taskDefinitions[record.arn] = record;
    return { taskDefinition: this.taskDefinitionOut(record), tags: tagsToEcs(record.tags) };
  }

  describeTaskDefinition(input: DescribeTaskDefinitionCommandInput): Out<DescribeTaskDefinitionCommandOutput> {
    const record = this.findTaskDefinition(input.taskDefinition ?? '');
    if (!record) throw clientError('Unable to describe task definition.');
    return {
      taskDefinition: this.taskDefinitionOut(record),
      ...(input.include?.includes('TAGS') ? { tags: tagsToEcs(record.tags) } : {}),
    };
  }

  listTaskDefinitions(input: ListTaskDefinitionsCommandInput): Out<ListTaskDefinitionsCommandOutput> {
    const status = input.status ?? 'ACTIVE';
    const records = Object.values(this.data.taskDefinitions)
      .filter((td) => td.status === status && (input.familyPrefix === undefined || td.family === input.familyPrefix))
      .sort((a, b) => a.family.localeCompare(b.family) || a.revision - b.revision);
    if (input.sort === 'DESC') records.reverse();
    const { items, nextToken } = this.page('ListTaskDefinitions', records, input, { awsDefault: 100, awsMax: 100 }, [input.familyPrefix, status, input.sort]);
    return { taskDefinitionArns: items.map((td) => td.arn), ...(nextToken ? { nextToken } : {}) };
  }

  deregisterTaskDefinition(input: DeregisterTaskDefinitionCommandInput): Out<DeregisterTaskDefinitionCommandOutput> {
    const ref = input.taskDefinition ?? '';
    const record = ref.startsWith('arn:') || ref.includes(':') ? this.findTaskDefinition(ref) : undefined;
    if (!record) throw clientError('The specified task definition does not exist.');
    if (record.status === 'ACTIVE') {
      record.status = 'INACTIVE';
      record.deregisteredAt = this.world.now();
    }
    return { taskDefinition: this.taskDefinitionOut(record) };
  }

  deleteTaskDefinitions(input: DeleteTaskDefinitionsCommandInput): Out<DeleteTaskDefinitionsCommandOutput> {
    const taskDefinitions: TaskDefinition[] = [];
    const failures: Failure[] = [];
    for (const ref of input.taskDefinitions ?? []) {
      const record = ref.includes(':') ? this.findTaskDefinition(ref) : undefined;
      if (!record) {
        failures.push({ arn: ref, reason: 'The specified task definition does not exist.' });
      } else if (record.status === 'ACTIVE') {
        failures.push({ arn: record.arn, reason: 'The specified task definition is still in ACTIVE status. Please deregister the target and try again.' });
      } else {
        record.status = 'DELETE_IN_PROGRESS';
        record.deleteRequestedAt ??= this.world.now();
        taskDefinitions.push(this.taskDefinitionOut(record));
      }
    }
    return { taskDefinitions, failures };
  }

  protected usableTaskDefinition(ref: string | undefined): TaskDefinitionRecord {
    const record = this.findTaskDefinition(ref ?? '');
    if (!record) throw invalidParameter('TaskDefinition not found.');
    if (record.status !== 'ACTIVE') throw invalidParameter('TaskDefinition is inactive');
    return record;
  }

  protected taskDefinitionOut(td: TaskDefinitionRecord): TaskDefinition {
    return {
      taskDefinitionArn: td.arn,
      family: td.family,
      revision: td.revision,
      status: td.status,
      containerDefinitions: structuredClone(td.containerDefinitions),
      networkMode: td.networkMode,
      volumes: structuredClone(td.volumes),
      placementConstraints: [],
      compatibilities: [...td.compatibilities],
      requiresCompatibilities: [...td.requiresCompatibilities],
      ...(td.cpu !== undefined ? { cpu: td.cpu } : {}),
      ...(td.memory !== undefined ? { memory: td.memory } : {}),
      ...(td.runtimePlatform ? { runtimePlatform: { ...td.runtimePlatform } } : {}),
      ...(td.executionRoleArn ? { executionRoleArn: td.executionRoleArn } : {}),
      ...(td.taskRoleArn ? { taskRoleArn: td.taskRoleArn } : {}),
      registeredAt: this.dateAt(td.registeredAt),
      registeredBy: `arn:${this.world.partition}:iam::${this.world.account}:user/sandbox`,
      ...(td.deregisteredAt !== undefined ? { deregisteredAt: this.dateAt(td.deregisteredAt) } : {}),
      ...(td.deleteRequestedAt !== undefined ? { deleteRequestedAt: this.dateAt(td.deleteRequestedAt) } : {}),
    };
  }
}

// ---- Helpers ------------------------------------------------------------------------------------

function range(from: number, to: number, step: number): number[] {
  const values: number[] = [];
  for (let v = from; v <= to; v += step) values.push(v);
  return values;
}

/** "256", "1024", "0.25 vCPU", "1 vcpu" → CPU units; undefined input stays undefined; junk → null. */
function parseCpu(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(vcpu)?\s*$/i.exec(text);
  if (!match?.[1]) return null;
  const value = Number(match[1]);
  return match[2] ? Math.round(value * 1024) : value;
}

/** "512", "0.5 GB", "2GB" → MiB; junk → null. */
function parseMemory(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(gb)?\s*$/i.exec(text);
  if (!match?.[1]) return null;
  const value = Number(match[1]);
  return match[2] ? Math.round(value * 1024) : value;
}

function withContainerDefaults(container: ContainerDefinition, networkMode: NetworkMode): ContainerDefinition {
  return {
    ...structuredClone(container),
    cpu: container.cpu ?? 0,
    essential: container.essential ?? true,
    portMappings: (container.portMappings ?? []).map((m) => ({
      ...m,
      ...(networkMode === 'awsvpc' || m.hostPort !== undefined ? { hostPort: m.hostPort ?? m.containerPort } : {}),
      protocol: m.protocol ?? 'tcp',
    })),
    environment: container.environment ?? [],
    mountPoints: container.mountPoints ?? [],
    volumesFrom: container.volumesFrom ?? [],
  };
}

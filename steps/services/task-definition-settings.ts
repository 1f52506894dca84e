// What an environment's task definition should be, decided from the config and what state and AWS
// reported, and nothing else: pure functions, no calls (test/golden/ pins their output per config shape).
import type {
  ContainerDefinition,
  KeyValuePair,
  LogConfiguration,
  RegisterTaskDefinitionCommandInput,
  RuntimePlatform,
  Secret,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import { createHash } from 'node:crypto';
import type { Config, EnvironmentConfig } from '../../src/config';
import type { Place } from '../../src/policies';
import { resolveSecrets } from '../../src/secret-refs';
import { settingsOf } from '../../src/service-config';
import type { Tag } from '../../src/tags';
import { sameRecord } from '../lib/compare';
import { canonicalJson, toEcsTags } from '../lib/owned';
import { CONTAINER_NAME } from './names';

/** The parts of the task definition that provision owns; the rest (the image above all) is the pipeline's. */
export interface OwnedSettings {
  cpu: string;
  memory: string;
  executionRoleArn: string | undefined;
  runtimePlatform: RuntimePlatform;
  portMappings: ContainerDefinition['portMappings'];
  logConfiguration: LogConfiguration;
  /** The environment's `variables`, sorted by name. */
  environment: KeyValuePair[];
  /** The environment's `secrets` as ECS takes them (valueFrom an ARN), sorted by name. */
  secrets: Secret[];
  /** The role the tasks run as, or none. */
  taskRoleArn: string | undefined;
}

/** What the owned settings take from state: the cluster step's execution role and the environment's log group. */
export interface TaskDefinitionFacts {
  executionRoleArn: string | undefined;
  /** The log group's name as recorded, else the name the cluster step gives it. */
  logGroup: string;
  /** The environment's task role as recorded (services/task-role.ts), or undefined for none. */
  taskRoleArn: string | undefined;
  /** Where SSM parameter names resolve to ARNs. */
  place: Place;
}

export function ownedSettings(config: Pick<Config, 'region' | 'services'>, env: EnvironmentConfig, facts: TaskDefinitionFacts): OwnedSettings {
  const settings = settingsOf(config, env);
  return {
    cpu: String(env.cpu),
    memory: String(env.memory),
    executionRoleArn: facts.executionRoleArn,
    runtimePlatform: { cpuArchitecture: config.services.architecture, operatingSystemFamily: 'LINUX' },
    portMappings: [{ containerPort: config.services.containerPort, protocol: 'tcp' }],
    logConfiguration: {
      logDriver: 'awslogs',
      options: {
        'awslogs-group': facts.logGroup,
        'awslogs-region': config.region,
        'awslogs-stream-prefix': CONTAINER_NAME,
      },
    },
    environment: Object.keys(settings.variables)
      .sort()
      .map((name) => ({ name, value: settings.variables[name]! })),
    secrets: resolveSecrets(facts.place, settings.secrets).map(({ name, secret }) => ({ name, valueFrom: secret.valueFrom })),
    taskRoleArn: facts.taskRoleArn,
  };
}

/** The `web` container's variables and secrets as owned (no `secrets` key when there are none, as ECS reports it). */
function containerSettings(owned: OwnedSettings): Pick<ContainerDefinition, 'environment' | 'secrets'> {
  return { environment: owned.environment, ...(owned.secrets.length > 0 ? { secrets: owned.secrets } : {}) };
}

/** The first revision: the placeholder image until the pipeline deploys its own. */
export function firstRevision(
  config: Pick<Config, 'services'>,
  family: string,
  owned: OwnedSettings,
  tags: readonly Tag[],
): RegisterTaskDefinitionCommandInput {
  return {
    family,
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: owned.cpu,
    memory: owned.memory,
    runtimePlatform: owned.runtimePlatform,
    executionRoleArn: owned.executionRoleArn,
    ...(owned.taskRoleArn ? { taskRoleArn: owned.taskRoleArn } : {}),
    containerDefinitions: [
      {
        name: CONTAINER_NAME,
        image: config.services.placeholderImage,
        essential: true,
        portMappings: owned.portMappings,
        logConfiguration: owned.logConfiguration,
        ...containerSettings(owned),
      },
    ],
    tags: toEcsTags(tags),
  };
}

/** A new revision of what runs now, with the owned settings put back: same image, same everything else. */
export function nextRevision(
  config: Pick<Config, 'services'>,
  family: string,
  current: TaskDefinition,
  owned: OwnedSettings,
  tags: readonly Tag[],
): RegisterTaskDefinitionCommandInput {
  const containers = current.containerDefinitions ?? [];
  // Without a `web` container there is no image of the pipeline's to keep.
  if (!containers.some((c) => c.name === CONTAINER_NAME)) return firstRevision(config, family, owned, tags);
  return {
    family: current.family ?? family,
    taskRoleArn: owned.taskRoleArn,
    executionRoleArn: owned.executionRoleArn,
    networkMode: 'awsvpc',
    containerDefinitions: containers.map((c) => {
      if (c.name !== CONTAINER_NAME) return c;
      const { secrets: _previous, ...rest } = c;
      return { ...rest, portMappings: owned.portMappings, logConfiguration: owned.logConfiguration, ...containerSettings(owned) };
    }),
    volumes: current.volumes,
    placementConstraints: current.placementConstraints,
    requiresCompatibilities: ['FARGATE'],
    cpu: owned.cpu,
    memory: owned.memory,
    pidMode: current.pidMode,
    ipcMode: current.ipcMode,
    proxyConfiguration: current.proxyConfiguration,
    ephemeralStorage: current.ephemeralStorage,
    runtimePlatform: owned.runtimePlatform,
    tags: toEcsTags(tags),
  };
}

/** What of the owned settings a reported revision lacks: empty means no new revision is needed. */
export function taskDefinitionDrift(td: TaskDefinition, owned: OwnedSettings): string[] {
  const changes: string[] = [];
  if (td.cpu !== owned.cpu) changes.push('cpu');
  if (td.memory !== owned.memory) changes.push('memory');
  if (td.executionRoleArn !== owned.executionRoleArn) changes.push('executionRole');
  if (td.runtimePlatform?.cpuArchitecture !== owned.runtimePlatform.cpuArchitecture || td.runtimePlatform?.operatingSystemFamily !== 'LINUX') {
    changes.push('runtimePlatform');
  }
  const web = td.containerDefinitions?.find((c) => c.name === CONTAINER_NAME);
  if (!web) return [...changes, `container ${CONTAINER_NAME}`];
  const port = owned.portMappings?.[0]?.containerPort;
  const mappings = web.portMappings ?? [];
  if (mappings.length !== 1 || mappings[0]?.containerPort !== port || (mappings[0]?.protocol ?? 'tcp') !== 'tcp') changes.push('portMappings');
  const logs = web.logConfiguration;
  if (logs?.logDriver !== owned.logConfiguration.logDriver || !sameRecord(logs?.options, owned.logConfiguration.options)) changes.push('logConfiguration');
  const pairs = (list: ReadonlyArray<{ name?: string; value?: string; valueFrom?: string }> | undefined) =>
    JSON.stringify((list ?? []).map((e) => [e.name, e.value ?? e.valueFrom]).sort());
  if (pairs(web.environment) !== pairs(owned.environment)) changes.push('environment');
  if (pairs(web.secrets) !== pairs(owned.secrets)) changes.push('secrets');
  if (td.taskRoleArn !== owned.taskRoleArn) changes.push('taskRole');
  return changes;
}

/**
 * A hash of what provision owns in a revision of `family`. A revision never changes once
 * registered: recorded with the revision it was checked (or registered) against, an unchanged
 * fingerprint says the revision still matches, unread.
 */
export function ownedFingerprint(family: string, owned: OwnedSettings): string {
  // Settings left empty are left out, so a stack without variables, secrets or a task role keeps the fingerprint it had.
  const { environment, secrets, taskRoleArn, ...rest } = owned;
  const hashed = {
    ...rest,
    ...(environment.length > 0 ? { environment } : {}),
    ...(secrets.length > 0 ? { secrets } : {}),
    ...(taskRoleArn !== undefined ? { taskRoleArn } : {}),
  };
  return createHash('sha256').update(canonicalJson({ family, container: CONTAINER_NAME, owned: hashed })).digest('hex').slice(0, 32);
}

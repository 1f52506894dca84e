// From a Copilot workspace to a shipline config: the service's manifest (with each environment's
// overrides merged in), the environment manifests and the pipeline. Pure: it reads nothing and asks
// nothing; what it cannot carry it lists, field by field, and nothing is left out silently.
//
// Sources: the manifest pages cited in service-fields.ts, environment-fields.ts and
// pipeline-fields.ts; the workspace layout, aws/copilot-cli internal/pkg/workspace/workspace.go;
// workload types, internal/pkg/manifest/manifestinfo/type.go. "Certificates in ACM are regional
// resources" (a load balancer takes one of its own region):
// https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html
import type { ConfigInput } from '../../config';
import { UsageError } from '../../errors';
import { stackFromDirectory } from '../init';
import { environmentFields, type EnvironmentFields, type ImportedVpc } from './environment-fields';
import { pipelineFields, type PipelineFields } from './pipeline-fields';
import { REASON, refuse, type Carried, type NotCarried } from './report';
import { assignRoutes } from './routes';
import {
  architectureFrom, autoscalingOf, containerPortFrom, cpuFrom, desiredCountFrom, healthCheckFrom, execFrom, memoryFrom, networkFrom, routeFrom, secretsFrom,
  SECTION_REFUSALS, sidecarsFrom, storageFrom, strategyFrom, variablesFrom, type Architecture,
} from './service-fields';
import { asRecord, mergeOverride, type YamlRecord } from './values';
import { LOAD_BALANCED_WEB_SERVICE, WORKSPACE_FILE, type CopilotWorkspace, type ManifestFile, type WorkloadFile } from './workspace';

export interface ImportChoices {
  /** The Load Balanced Web Service to carry (a directory name under copilot/). */
  service: string;
  region: string;
  /** `--repository`: used when no pipeline names a GitHub repository, and over one that does. */
  repository?: string;
  /** Names the stack when `copilot/.workspace` names no application. */
  directoryName: string;
}

export interface Imported {
  config: ConfigInput;
  carried: Carried[];
  notCarried: NotCarried[];
  /** No pipeline names a GitHub repository and none was given: `source.repository` is missing. */
  needsRepository: boolean;
}

/** The Load Balanced Web Services of the workspace: the workloads import-copilot can carry. */
export const webServices = (ws: CopilotWorkspace): WorkloadFile[] => ws.workloads.filter((w) => w.type === LOAD_BALANCED_WEB_SERVICE);

export function importCopilot(ws: CopilotWorkspace, choices: ImportChoices): Imported {
  const service = webServices(ws).find((w) => w.name === choices.service);
  if (!service) throw new UsageError(`copilot/${choices.service}/manifest.yml is not a Load Balanced Web Service of this workspace`);
  const carried: Carried[] = [];
  const notes: NotCarried[] = [];
  const from = (file: string, field: string) => `${file} › ${field}`;

  const stack = stackFrom(ws.application, choices.directoryName, notes);
  carried.push({ setting: 'stack', value: stack, from: ws.application === undefined ? 'the directory name' : from(WORKSPACE_FILE, 'application') });

  const [pipeline, ...otherPipelines] = ws.pipelines;
  const piped: PipelineFields | undefined = pipeline && pipelineFields(pipeline.manifest, pipeline.file);
  if (piped) notes.push(...piped.notes);
  for (const other of otherPipelines) notes.push(refuse(other.file, 'name', `shipline has one pipeline per stack; carried ${pipeline!.file}`));

  const repository = choices.repository ?? piped?.source?.repository;
  const branch = piped?.source?.branch ?? 'main';
  if (repository !== undefined) {
    carried.push({ setting: 'source.repository', value: repository, from: choices.repository !== undefined ? '--repository' : from(pipeline!.file, 'source.properties.repository') });
    carried.push({ setting: 'source.branch', value: branch, from: piped?.source?.branch !== undefined ? from(pipeline!.file, 'source.properties.branch') : "shipline's default" });
  }

  const base: YamlRecord = { ...service.manifest };
  const overrides = asRecord(base.environments);
  delete base.environments;
  notes.push(...fieldNotes(base, service.file, ''));

  const order = environmentOrder(ws, piped, overrides, pipeline, notes);
  for (const name of Object.keys(overrides)) {
    if (!order.names.includes(name)) notes.push(refuse(service.file, `environments.${name}`, `no environment "${name}" among ${order.source}; left out`));
  }

  const environments = order.names.map((copilotName) => {
    const override = overrides[copilotName];
    notes.push(...fieldNotes(asRecord(override), service.file, `environments.${copilotName}.`));
    const merged = asRecord(mergeOverride(base, override));
    const origin = (key: string) => (asRecord(override)[key] !== undefined ? from(service.file, `environments.${copilotName}.${key}`) : base[key] !== undefined ? from(service.file, key) : "Copilot's default");
    const field = (key: string) => (asRecord(asRecord(override).http)[key] !== undefined ? `environments.${copilotName}.http.${key}` : `http.${key}`);
    const envFile = ws.environments.find((e) => e.name === copilotName)?.file;
    return {
      copilotName,
      name: environmentName(copilotName, envFile ?? service.file, notes),
      route: routeFrom(merged.http, service.file).value ?? { path: undefined, host: undefined },
      pathField: field('path'),
      hostField: field('alias'),
      healthField: field('healthcheck'),
      cpu: cpuFrom(merged.cpu, service.file).value ?? 256,
      memory: memoryFrom(merged.memory, service.file).value ?? 512,
      desiredCount: desiredCountFrom(merged.count, service.file).value ?? 1,
      // The service's health check goes under `services`; an environment's own, over it.
      healthCheck: asRecord(asRecord(override).http).healthcheck !== undefined ? healthCheckFrom(asRecord(merged.http).healthcheck, service.file).value : undefined,
      autoscaling: autoscalingOf(merged.count, service.file).value,
      stage: piped?.stages.find((s) => s.name === copilotName),
      architecture: architectureFrom(merged.platform, service.file).value,
      port: containerPortFrom(merged.image, service.file).value,
      origin,
    };
  });

  const { routes, notes: routeNotes } = assignRoutes(environments, service.file);
  notes.push(...routeNotes);
  const configEnvironments = environments.map((env, i) => {
    const route = routes[i]!;
    const out = {
      name: env.name,
      ...(route.path !== undefined ? { path: route.path } : {}),
      ...(route.host !== undefined ? { host: route.host } : {}),
      cpu: env.cpu,
      memory: env.memory,
      desiredCount: env.desiredCount,
      ...(env.stage?.approval ? { approval: true } : {}),
      ...taskSettings(asRecord(overrides[env.copilotName]), service.file, `environments.${env.copilotName}.`, `environments[${i}].`, carried),
      ...(env.healthCheck ? { healthCheck: env.healthCheck } : {}),
      ...(env.autoscaling ? { autoscaling: env.autoscaling } : {}),
    };
    const at = (key: string) => `environments[${i}].${key}`;
    const stageField = (suffix: string) => (pipeline && env.stage ? from(pipeline.file, `stages[${env.stage.index}]${suffix}`) : undefined);
    carried.push({ setting: at('name'), value: env.name, from: stageField('.name') ?? order.source });
    if (route.path !== undefined) {
      const moved = env.route.path === route.path ? '' : ` (moved apart on the shared load balancer: see the not-carried list)`;
      carried.push({ setting: at('path'), value: route.path, from: `${from(service.file, env.pathField)}${moved}` });
    }
    if (route.host !== undefined) carried.push({ setting: at('host'), value: route.host, from: from(service.file, env.hostField) });
    carried.push({ setting: at('cpu'), value: env.cpu, from: env.origin('cpu') });
    carried.push({ setting: at('memory'), value: env.memory, from: env.origin('memory') });
    carried.push({ setting: at('desiredCount'), value: env.desiredCount, from: env.origin('count') });
    if (env.stage?.approval) carried.push({ setting: at('approval'), value: true, from: stageField('.requires_approval')! });
    if (env.healthCheck) carried.push({ setting: at('healthCheck'), value: env.healthCheck, from: from(service.file, env.healthField) });
    if (env.autoscaling) carried.push({ setting: at('autoscaling'), value: env.autoscaling, from: env.origin('count') });
    return out;
  });

  const architecture: Architecture = architectureFrom(base.platform, service.file).value ?? 'X86_64';
  const containerPort = containerPortFrom(base.image, service.file).value;
  for (const env of environments) {
    if (env.architecture !== undefined && env.architecture !== architecture) {
      notes.push(refuse(service.file, `environments.${env.copilotName}.platform`, `${env.architecture}: shipline builds one image for every environment, for services.architecture ${architecture}`));
    }
    if (env.port !== undefined && containerPort !== undefined && env.port !== containerPort) {
      notes.push(refuse(service.file, `environments.${env.copilotName}.image.port`, `${env.port}: shipline has one container port for every environment, ${containerPort}`));
    }
  }
  carried.push({ setting: 'services.architecture', value: architecture, from: base.platform !== undefined ? from(service.file, 'platform') : "Copilot's default platform, linux/x86_64" });
  if (containerPort !== undefined) carried.push({ setting: 'services.containerPort', value: containerPort, from: from(service.file, 'image.port') });
  const healthCheck = healthCheckFrom(asRecord(base.http).healthcheck, service.file).value;
  if (healthCheck !== undefined) carried.push({ setting: 'services.healthCheck', value: healthCheck, from: from(service.file, 'http.healthcheck') });
  carried.push({ setting: 'deploy.strategy', value: 'rolling', from: base.deployment !== undefined ? from(service.file, 'deployment') : "Copilot's rolling deployment" });

  const environmentManifests = ws.environments
    .filter((e) => order.names.includes(e.name))
    .map((env) => ({ file: env.file, fields: environmentFields(env.manifest, env.file) }));
  for (const { fields } of environmentManifests) notes.push(...fields.notes);
  const certificateArn = certificateFrom(environmentManifests, choices.region, notes);
  if (certificateArn) carried.push({ setting: 'alb.certificateArn', value: certificateArn.arn, from: certificateArn.from });
  const importedVpc = importedVpcOf(environmentManifests, notes);
  if (importedVpc) {
    const at = `${importedVpc.file} › network.vpc`;
    carried.push({ setting: 'network.vpcId', value: importedVpc.vpc.id, from: `${at}.id` });
    carried.push({ setting: 'network.publicSubnetIds', value: importedVpc.vpc.publicSubnetIds, from: `${at}.subnets.public` });
    carried.push({ setting: 'network.privateSubnetIds', value: importedVpc.vpc.privateSubnetIds, from: `${at}.subnets.private` });
    carried.push({ setting: 'nat.mode', value: 'none', from: `${at}.id (an imported VPC brings its own way out)` });
  }

  for (const extra of service.extras) notes.push(refuse(extra, extra.includes('/addons/') ? 'addons' : 'overrides', extra.includes('/addons/') ? 'shipline deploys no CloudFormation addons; make these resources another way' : 'shipline applies no CDK or YAML-patch overrides'));
  for (const extra of ws.environmentExtras) notes.push(refuse(extra, extra.includes('/addons/') ? 'addons' : 'overrides', extra.includes('/addons/') ? 'shipline deploys no CloudFormation addons; make these resources another way' : 'shipline applies no CDK or YAML-patch overrides'));
  for (const other of ws.workloads) {
    if (other === service) continue;
    const reason = other.type === LOAD_BALANCED_WEB_SERVICE ? `shipline runs one Load Balanced Web Service per stack; import it into a stack of its own (--service ${other.name})` : 'shipline runs Load Balanced Web Services only';
    notes.push(refuse(other.file, 'type', `"${other.type}": ${reason}`));
  }

  const config: ConfigInput = {
    stack,
    region: choices.region,
    source: { repository: repository ?? '', branch },
    ...(importedVpc
      ? {
          network: { vpcId: importedVpc.vpc.id, publicSubnetIds: importedVpc.vpc.publicSubnetIds, privateSubnetIds: importedVpc.vpc.privateSubnetIds },
          nat: { mode: 'none' as const },
        }
      : {}),
    ...(certificateArn ? { alb: { certificateArn: certificateArn.arn } } : {}),
    environments: configEnvironments,
    services: { architecture, ...(containerPort !== undefined ? { containerPort } : {}), ...(healthCheck !== undefined ? { healthCheck } : {}), ...taskSettings(base, service.file, '', 'services.', carried) },
    deploy: { strategy: 'rolling' },
  };
  return { config, carried, notCarried: notes, needsRepository: repository === undefined };
}

/**
 * `variables`, `secrets` and `exec` of one layer (the service's, or an environment's override), as
 * shipline's fields of the same names; what does not carry is in the layer's notes (fieldNotes).
 */
function taskSettings(layer: YamlRecord, file: string, prefix: string, settingPrefix: string, carried: Carried[]): { variables?: Record<string, string>; secrets?: Record<string, string>; exec?: boolean } {
  const variables = variablesFrom(layer.variables, file).value;
  const secrets = secretsFrom(layer.secrets, file).value;
  const exec = layer.exec === undefined ? undefined : execFrom(layer.exec, file).value;
  if (variables) carried.push({ setting: `${settingPrefix}variables`, value: variables, from: `${file} › ${prefix}variables` });
  if (secrets) carried.push({ setting: `${settingPrefix}secrets`, value: secrets, from: `${file} › ${prefix}secrets` });
  if (exec !== undefined) carried.push({ setting: `${settingPrefix}exec`, value: exec, from: `${file} › ${prefix}exec` });
  return { ...(variables ? { variables } : {}), ...(secrets ? { secrets } : {}), ...(exec !== undefined ? { exec } : {}) };
}

/** Every field of one layer of the service manifest (its own, or an environment's override), refused where it does not carry. */
function fieldNotes(layer: YamlRecord, file: string, prefix: string): NotCarried[] {
  return Object.entries(layer).flatMap(([key, value]) => {
    const field = `${prefix}${key}`;
    switch (key) {
      case 'name': case 'type': return [];
      case 'http': return routeFrom(value, file, field).notes;
      case 'image': return containerPortFrom(value, file, field).notes;
      case 'cpu': return cpuFrom(value, file, field).notes;
      case 'memory': return memoryFrom(value, file, field).notes;
      case 'count': return desiredCountFrom(value, file, field).notes;
      case 'platform': return architectureFrom(value, file, field).notes;
      case 'deployment': return strategyFrom(value, file, field).notes;
      case 'variables': return variablesFrom(value, file, field).notes;
      case 'secrets': return secretsFrom(value, file, field).notes;
      case 'exec': return execFrom(value, file, field).notes;
      case 'sidecars': return sidecarsFrom(value, file, field);
      case 'storage': return storageFrom(value, file, field);
      case 'network': return networkFrom(value, file, field);
      default: return [refuse(file, field, SECTION_REFUSALS[key] ?? REASON.unknown)];
    }
  });
}

/** The environments, in the order the pipeline deploys them (else the environment manifests', else the overrides'). */
function environmentOrder(ws: CopilotWorkspace, piped: PipelineFields | undefined, overrides: YamlRecord, pipeline: ManifestFile | undefined, notes: NotCarried[]): { names: string[]; source: string } {
  if (piped && pipeline && piped.stages.length > 0) {
    const names = [...new Set(piped.stages.map((s) => s.name))];
    for (const env of ws.environments) {
      if (!names.includes(env.name)) notes.push(refuse(env.file, 'name', `"${env.name}" is no stage of ${pipeline.file}; shipline's pipeline deploys to every environment it has, so it was left out`));
    }
    return { names, source: `the stages of ${pipeline.file}` };
  }
  if (ws.environments.length > 0) return { names: ws.environments.map((e) => e.name), source: 'the environment manifests (copilot/environments/)' };
  const named = Object.keys(overrides);
  if (named.length > 0) return { names: named, source: "the service manifest's environments" };
  throw new UsageError('found no environment: no pipeline stages, no copilot/environments/<env>/manifest.yml, no "environments:" in the service manifest', {
    hint: 'write each environment\'s manifest into the workspace (`copilot env show --name <env> --manifest > copilot/environments/<env>/manifest.yml`), then import again',
  });
}

/** The application's name as the stack, where it is a valid one (else made valid, and said so). */
function stackFrom(application: string | undefined, directoryName: string, notes: NotCarried[]): string {
  const valid = stackFromDirectory(application ?? directoryName) ?? 'app';
  if (application === undefined) notes.push(refuse(WORKSPACE_FILE, 'application', `missing; the stack is named after the directory, "${valid}"`));
  else if (valid !== application) notes.push(refuse(WORKSPACE_FILE, 'application', `"${application}": shipline's stack names are 2-20 lowercase letters, digits or hyphens; written as "${valid}"`));
  return valid;
}

/** An environment's name as shipline takes it: 1-10 lowercase letters or digits, starting with a letter. */
function environmentName(name: string, file: string, notes: NotCarried[]): string {
  const cleaned = name.toLowerCase().replace(/[^a-z0-9]+/g, '').replace(/^[^a-z]+/, '').slice(0, 10);
  if (cleaned !== name) notes.push(refuse(file, 'name', `"${name}": shipline's environment names are 1-10 lowercase letters or digits; written as "${cleaned}"`));
  return cleaned;
}

interface EnvironmentManifest {
  file: string;
  fields: EnvironmentFields;
}

/**
 * `network.vpc.id` of the environments: shipline puts every environment in one VPC, so it carries
 * when the environments that import one name the same VPC and subnets. An environment whose VPC
 * Copilot made, beside one that imports, is said to move into the imported VPC.
 */
function importedVpcOf(manifests: EnvironmentManifest[], notes: NotCarried[]): { vpc: ImportedVpc; file: string } | undefined {
  const importing = manifests.filter((m) => m.fields.vpc !== undefined);
  const first = importing[0];
  if (!first) return undefined;
  const chosen = { vpc: first.fields.vpc!, file: first.file };
  const same = (vpc: ImportedVpc) => JSON.stringify(vpc) === JSON.stringify(chosen.vpc);
  for (const { file, fields } of manifests.filter((m) => m !== first)) {
    if (fields.vpc === undefined) {
      notes.push(refuse(file, 'network.vpc', `Copilot made this environment's VPC; shipline puts every environment in the imported ${chosen.vpc.id} (from ${first.file})`));
    } else if (fields.vpc !== undefined && !same(fields.vpc)) {
      notes.push(refuse(file, 'network.vpc.id', `${fields.vpc.id} with its subnets: shipline puts every environment in one VPC; carried ${chosen.vpc.id} (from ${first.file})`));
    }
  }
  return chosen;
}

const ACM_ARN = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate\/[A-Za-z0-9-]+$/;

/** `http.public.certificates` of the environments: shipline's one load balancer takes one, in the stack's region. */
function certificateFrom(manifests: EnvironmentManifest[], region: string, notes: NotCarried[]): { arn: string; from: string } | undefined {
  let chosen: { arn: string; from: string } | undefined;
  for (const { file, fields } of manifests) {
    fields.certificates.forEach((arn, i) => {
      const field = `http.public.certificates[${i}]`;
      const match = ACM_ARN.exec(arn);
      if (!match) notes.push(refuse(file, field, `"${arn}": not an ACM certificate ARN shipline can use (a \${VARIABLE} Copilot filled in at deploy time?); set alb.certificateArn by hand`));
      else if (match[1] !== region) notes.push(refuse(file, field, `"${arn}" is in ${match[1]}; a load balancer in ${region} takes a certificate of its own region`));
      else if (chosen === undefined) chosen = { arn, from: `${file} › ${field}` };
      else if (chosen.arn !== arn) notes.push(refuse(file, field, `"${arn}": shipline's one load balancer takes one certificate; carried ${chosen.arn}`));
    });
  }
  return chosen;
}

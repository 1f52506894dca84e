// The simulated AWS: every modelled service behind one dispatcher that logs each call, applies
// faults and simulated latency, copies inputs and outputs (callers can't reach into its data),
// and fails loudly on an operation it does not model.
import type { ServiceName } from '../aws/clients';
import { isMutating, operationName } from '../aws/operations';
import { Ec2Sandbox } from './models/ec2';
import { EcrSandbox } from './models/ecr';
import { EcsSandbox } from './models/ecs';
import { Elbv2Sandbox } from './models/elbv2';
import { deniedErrorShape, requestsFor } from './caller-authorization';
import { Faults, type CallInfo } from './faults';
import { deniedMessage, firstDenied } from './models/iam-policy';
import { IamSandbox } from './models/iam';
import { LogsSandbox } from './models/logs';
import type { InventoryItem, SandboxService } from './kernel/service';
import { StsSandbox } from './models/sts';
import { S3Sandbox } from './models/s3';
import { ConnectionsSandbox } from './models/connections';
import { CodeBuildSandbox } from './models/codebuild';
import { CodePipelineSandbox } from './models/codepipeline';
import { CodeDeploySandbox } from './models/codedeploy';
import { SsmSandbox } from './models/ssm';
import { SecretsManagerSandbox } from './models/secrets-manager';
import { ApplicationAutoScalingSandbox } from './models/application-autoscaling';
import { AcmSandbox } from './models/acm';
import { Route53Sandbox } from './models/route53';
import { awsError, SandboxNotModelled } from './kernel/errors';
import { SandboxWorld, type SandboxOptions } from './kernel/world';

export interface CallRecord {
  seq: number;
  service: ServiceName;
  operation: string;
  mutating: boolean;
  input: unknown;
  /** AWS's error name when the call failed. */
  error?: string;
}

/** Everything needed to rebuild a sandbox in another process (`--sandbox` across commands). */
export interface SandboxSnapshot {
  version: 1;
  options: SandboxOptions;
  simNow: number;
  /**
   * The real time (ms) when a world file was saved (`world-file.ts`): the world's clock runs on
   * between commands, so a process opening it adds the real time since then.
   */
  savedAt?: number;
  idCounter: number;
  services: Partial<Record<ServiceName, object>>;
}

/**
 * Where the world lives when it is shared beyond this object (`--sandbox`: a file that other
 * processes read and write, `persist.ts`). `run` applies one call's effect as a transaction: it
 * brings the world up to date first and saves it after, synchronously, so no other call of this
 * process can come in between.
 */
export interface WorldStore {
  run<T>(apply: () => T): T;
}

/**
 * Every model, built in the order their calls between services allow: a model receives the
 * models it calls (its peers) at construction, so the order is the dependency graph's, with no
 * cycle and no wiring after the fact.
 */
function buildServices(world: SandboxWorld, data: Partial<Record<ServiceName, object>>) {
  const pick = <D extends object>(service: ServiceName, empty: () => D): D => (data[service] as D | undefined) ?? empty();
  const sts = new StsSandbox(world, pick('sts', StsSandbox.empty));
  const ec2 = new Ec2Sandbox(world, pick('ec2', Ec2Sandbox.empty));
  const ecr = new EcrSandbox(world, pick('ecr', EcrSandbox.empty));
  const iam = new IamSandbox(world, pick('iam', IamSandbox.empty));
  const logs = new LogsSandbox(world, pick('logs', LogsSandbox.empty));
  const s3 = new S3Sandbox(world, pick('s3', S3Sandbox.empty));
  const connections = new ConnectionsSandbox(world, pick('connections', ConnectionsSandbox.empty));
  const acm = new AcmSandbox(world, pick('acm', AcmSandbox.empty));
  const elbv2 = new Elbv2Sandbox(world, pick('elbv2', Elbv2Sandbox.empty), { ec2, acm });
  const route53 = new Route53Sandbox(world, pick('route53', Route53Sandbox.empty), { elbv2, acm });
  const ssm = new SsmSandbox(world, pick('ssm', SsmSandbox.empty));
  const secretsmanager = new SecretsManagerSandbox(world, pick('secretsmanager', SecretsManagerSandbox.empty));
  const ecs = new EcsSandbox(world, pick('ecs', EcsSandbox.empty), { ec2, elbv2, ecr, iam, logs, ssm, secretsmanager });
  const codebuild = new CodeBuildSandbox(world, pick('codebuild', CodeBuildSandbox.empty), { ecr, iam, logs });
  const codedeploy = new CodeDeploySandbox(world, pick('codedeploy', CodeDeploySandbox.empty), { ecs, iam, elbv2 });
  const codepipeline = new CodePipelineSandbox(world, pick('codepipeline', CodePipelineSandbox.empty), { codebuild, codedeploy, connections, iam, ecs, s3 });
  const appautoscaling = new ApplicationAutoScalingSandbox(world, pick('appautoscaling', ApplicationAutoScalingSandbox.empty), { ecs, elbv2 });
  // Tasks and builds write their logs as they run; those models move lazily, so a read of the logs brings them up to the clock first.
  logs.settleWriters = () => {
    codepipeline.settleAll();
    ecs.settleAll();
  };
  return { sts, ec2, elbv2, ecs, ecr, iam, logs, s3, connections, codebuild, codepipeline, codedeploy, ssm, secretsmanager, appautoscaling, acm, route53 };
}
type Services = ReturnType<typeof buildServices>;

export class Sandbox {
  readonly world: SandboxWorld;
  readonly faults = new Faults();
  readonly calls: CallRecord[] = [];
  private readonly services: Services;
  private mutations = 0;
  private store: WorldStore | undefined;
  /** Service-linked roles AWS created on a first use in this sandbox (ecs.amazonaws.com …). */
  private readonly linkedRoles = new Set<string>();

  constructor(
    private readonly options: SandboxOptions = {},
    restored?: SandboxSnapshot,
  ) {
    this.world = new SandboxWorld(options, restored?.simNow ?? 0, restored?.idCounter ?? 0);
    this.services = buildServices(this.world, restored?.services ?? {});
  }

  static restore(snapshot: SandboxSnapshot, overrides: SandboxOptions = {}): Sandbox {
    return new Sandbox({ ...snapshot.options, ...overrides }, snapshot);
  }

  /** From now on, every call reads and writes the world through `store` (see WorldStore). */
  keepIn(store: WorldStore): void {
    this.store = store;
  }

  /**
   * Replaces the world with one another process saved (`persist.ts`). This process's clock and ID
   * counter never go back: time is the later of the two, IDs continue after the higher counter.
   */
  load(snapshot: SandboxSnapshot): void {
    const loaded = buildServices(this.world, snapshot.services);
    for (const [name, model] of Object.entries(this.services) as Array<[ServiceName, SandboxService<object>]>) {
      model.data = (loaded as Record<ServiceName, SandboxService<object>>)[name].data;
    }
    this.world.idCounter = Math.max(this.world.idCounter, snapshot.idCounter);
    this.world.catchUp(snapshot.simNow);
  }

  /** The simulated resources and the ID counter: what a save writes and compares (not copied). */
  worldData(): Pick<SandboxSnapshot, 'idCounter' | 'services'> {
    const services: Partial<Record<ServiceName, object>> = {};
    for (const [name, model] of Object.entries(this.services) as Array<[ServiceName, SandboxService<object>]>) services[name] = model.data;
    return { idCounter: this.world.idCounter, services };
  }

  get ec2(): Ec2Sandbox { return this.services.ec2; }
  get sts(): StsSandbox { return this.services.sts; }
  get elbv2(): Elbv2Sandbox { return this.services.elbv2; }
  get ecs(): EcsSandbox { return this.services.ecs; }
  get ecr(): EcrSandbox { return this.services.ecr; }
  get iam(): IamSandbox { return this.services.iam; }
  get logs(): LogsSandbox { return this.services.logs; }
  get s3(): S3Sandbox { return this.services.s3; }
  get connections(): ConnectionsSandbox { return this.services.connections; }
  get codebuild(): CodeBuildSandbox { return this.services.codebuild; }
  get codepipeline(): CodePipelineSandbox { return this.services.codepipeline; }
  get codedeploy(): CodeDeploySandbox { return this.services.codedeploy; }
  get ssm(): SsmSandbox { return this.services.ssm; }
  get secretsmanager(): SecretsManagerSandbox { return this.services.secretsmanager; }
  get appautoscaling(): ApplicationAutoScalingSandbox { return this.services.appautoscaling; }
  get acm(): AcmSandbox { return this.services.acm; }
  get route53(): Route53Sandbox { return this.services.route53; }

  models(service: ServiceName): boolean {
    return service in this.services;
  }

  /** Handle one call: the single entry point both adapters use. */
  async dispatch(service: ServiceName, commandOrOperation: string, input: unknown): Promise<Record<string, unknown>> {
    const operation = operationName(commandOrOperation);
    const mutating = isMutating(operation);
    if (mutating) this.mutations += 1;
    const record: CallRecord = { seq: this.calls.length + 1, service, operation, mutating, input: structuredClone(input) };
    this.calls.push(record);
    const call: CallInfo = { service, operation, mutating, input: record.input, mutationIndex: mutating ? this.mutations : 0 };
    try {
      const latency = this.world.realMs('api.call');
      if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
      this.authorizeCaller(service, operation, record.input);
      await this.faults.before(call);
      const output = this.transaction(() => this.invoke(service, operation, structuredClone(input ?? {})));
      // Output hooks see every applied call, one the caller then loses to a crash included (a
      // resource made just before a crash is as new to AWS as any).
      const shaped = this.faults.shape(call, structuredClone(output) as Record<string, unknown>);
      this.noteServiceLinkedRole(service, operation);
      this.faults.after(call);
      const model = (this.services as Partial<Record<ServiceName, SandboxService<object>>>)[service]!;
      const copy = model.finishOutput(operation, shaped);
      return { ...copy, $metadata: { httpStatusCode: 200, requestId: `sandbox-${record.seq}` } };
    } catch (error) {
      record.error = error instanceof Error ? error.name : String(error);
      throw error;
    }
  }

  /**
   * What a person does outside the API (the console's "Update pending connection"), applied to
   * the world as one call is: with a world file (`--sandbox`), loaded first and saved after.
   */
  byHand<T>(action: (sandbox: this) => T): T {
    return this.transaction(() => action(this));
  }

  private transaction<T>(apply: () => T): T {
    return this.store ? this.store.run(apply) : apply();
  }

  /** With a caller policy: refuse the call, in the service's own error shape, unless the policy allows every request IAM makes of it. */
  private authorizeCaller(service: ServiceName, operation: string, input: unknown): void {
    const policy = this.options.callerPolicy;
    if (!policy) return;
    const world = {
      account: this.world.account,
      region: this.world.region,
      partition: this.world.partition,
      roleArn: (name: string) => this.services.iam.data.roles[name.toLowerCase()]?.arn,
      secretArn: (secretId: string) => this.services.secretsmanager.arnOf(secretId),
      needsServiceLinkedRole: (linked: string) => !this.linkedRoles.has(linked),
    };
    const denied = firstDenied([policy], requestsFor(service, operation, (input ?? {}) as Record<string, unknown>, world));
    if (!denied) return;
    const { code, status } = deniedErrorShape(service);
    const message = deniedMessage(`arn:${this.world.partition}:iam::${this.world.account}:user/sandbox`, denied.request, denied.decision);
    throw awsError(code, code === 'UnauthorizedOperation' ? `You are not authorized to perform this operation. ${message}` : message, { status });
  }

  private noteServiceLinkedRole(service: ServiceName, operation: string): void {
    if (service === 'elbv2' && operation === 'CreateLoadBalancer') this.linkedRoles.add('elasticloadbalancing.amazonaws.com');
    if (service === 'ecs' && operation === 'CreateService') this.linkedRoles.add('ecs.amazonaws.com');
    if (service === 'appautoscaling' && operation === 'RegisterScalableTarget') this.linkedRoles.add('ecs.application-autoscaling.amazonaws.com');
  }

  private invoke(service: ServiceName, operation: string, input: unknown): object {
    const model = (this.services as Partial<Record<ServiceName, SandboxService<object>>>)[service];
    const method = operation.charAt(0).toLowerCase() + operation.slice(1);
    const fn = model && (model as unknown as Record<string, unknown>)[method];
    if (typeof fn !== 'function') {
      throw new SandboxNotModelled(`the sandbox does not model ${service}:${operation}; add it to the model of ${service} in src/sandbox/models/`);
    }
    return (fn as (input: unknown) => object).call(model, input);
  }

  /** Every live resource in the sandbox, sorted for stable comparison. */
  inventory(): InventoryItem[] {
    return this.transaction(() => {
      // Pipelines advance lazily and may deploy to ECS: let them catch up before anything is listed.
      this.services.codepipeline.settleAll();
      this.services.codedeploy.settleAll();
      return Object.values(this.services)
        .flatMap((s: SandboxService<object>) => s.inventory())
        .sort((a, b) => `${a.service}/${a.type}/${a.key ?? ''}/${a.id}`.localeCompare(`${b.service}/${b.type}/${b.key ?? ''}/${b.id}`));
    });
  }

  mutatingCalls(): CallRecord[] {
    return this.calls.filter((c) => c.mutating);
  }

  snapshot(): SandboxSnapshot {
    return structuredClone(this.snapshotView());
  }

  /** The snapshot without the copy: for a save that only serializes it. */
  snapshotView(): SandboxSnapshot {
    // The clock is this process's, not part of the simulated world.
    const { clock: _clock, ...options } = this.options;
    return { version: 1, options, simNow: this.world.now(), ...this.worldData() };
  }
}

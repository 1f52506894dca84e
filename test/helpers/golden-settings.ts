// Every setting shipline decides in pure functions, computed for one config from fixed "what AWS
// reported" facts (IDs and ARNs as AWS spells them), as plain JSON: what test/golden/<shape>/
// keeps. Each "reported" case is a response AWS could give, and the decision made from it.
import type { Service, TaskDefinition } from '@aws-sdk/client-ecs';
import type { Action, Listener, Rule } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Config, EnvironmentConfig } from '../../src/config';
import { arns, trustPolicy, type Place } from '../../src/policies';
import { stackTags } from '../../src/tags';
import { REDIRECT_TO_HTTPS, createListenerInput, listenerDrift, modifyListenerInput, productionListeners, testListener, type ListenerSettings } from '../../steps/alb/listener-settings';
import { greenTargetGroupName, targetGroupName } from '../../steps/alb/names';
import { liveGroup, routeActions } from '../../steps/alb/routing';
import { createRuleInput, modifyRuleInput, priorityMoves, routedEnvironments, ruleDrift } from '../../steps/alb/rule-settings';
import { artifactBucketName, tlsOnlyPolicy } from '../../steps/artifacts';
import { buildRoleSpec, markProjectName, projectName } from '../../steps/build';
import { clusterName, executionRoleSpec, executionSecretStatements, logGroupName } from '../../steps/cluster';
import { taskRoleChoice, wantedTaskRoles } from '../../steps/services/task-role';
import { ROLE_PATH, type RoleSpec } from '../../steps/lib/role';
import { pipelineRoleSpec } from '../../steps/pipeline';
import { repositoryName } from '../../steps/repository';
import { controllerFor, serviceName, taskFamily } from '../../steps/services/names';
import {
  blueGreenServiceDrift,
  createServiceInput,
  serviceDrift,
  serviceSettings,
  updateServiceInput,
  type ServiceSettings,
} from '../../steps/services/service-settings';
import { targetGroupHealthCheck } from '../../steps/alb/health-check';
import { resourceLabel, targetTrackingPolicies } from '../../steps/services/autoscaling-settings';
import { settingsOf as environmentSettings } from '../../src/service-config';
import { firstRevision, nextRevision, ownedFingerprint, ownedSettings, taskDefinitionDrift } from '../../steps/services/task-definition-settings';

export const ACCOUNT = '123456789012';
const PRIVATE_SUBNETS = ['subnet-0a1b2c3d4e5f60003', 'subnet-0a1b2c3d4e5f60004'];
/** The token written to state before CreateService (a UUID, as the step makes it). */
const CLIENT_TOKEN = '6f1c2b7e-8d4a-4e3f-9b5c-0a1d2e3f4b5c';
const CONNECTION_ID = '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
/** A 16-hex-digit ELB resource ID, the n-th. */
const hex16 = (n: number) => `50dc6c495c0c${(0x9188 + n).toString(16)}`;

/** The IDs and ARNs AWS gave the stack's resources: what the state records. */
export function factsOf(config: Config) {
  const stack = config.stack;
  const place: Place = { partition: 'aws', region: config.region, account: ACCOUNT };
  const elb = (resource: string) => `arn:aws:elasticloadbalancing:${config.region}:${ACCOUNT}:${resource}`;
  const loadBalancer = `app/${stack}-alb/${hex16(0)}`;
  const index = (env: string) => config.environments.findIndex((e) => e.name === env) + 1;
  const listener = (n: number) => elb(`listener/${loadBalancer}/${hex16(100 + n)}`);
  return {
    stack,
    place,
    cluster: clusterName(stack),
    subnets: PRIVATE_SUBNETS,
    loadBalancerArn: elb(`loadbalancer/${loadBalancer}`),
    listenerArn: listener,
    ruleArn: (env: string) => `${listener(0).replace(':listener/', ':listener-rule/')}/${hex16(200 + index(env))}`,
    securityGroup: (env: string) => `sg-0a1b2c3d4e5f6${String(index(env)).padStart(4, '0')}`,
    blue: (env: string) => elb(`targetgroup/${targetGroupName(stack, env)}/${hex16(10 + index(env))}`),
    green: (env: string) => elb(`targetgroup/${greenTargetGroupName(stack, env)}/${hex16(50 + index(env))}`),
    taskDefinitionArn: (env: string, revision: number) => `arn:aws:ecs:${config.region}:${ACCOUNT}:task-definition/${taskFamily(stack, env)}:${revision}`,
    serviceArn: (env: string) => arns.ecsService(place, clusterName(stack), serviceName(stack, env)),
    executionRoleArn: `arn:aws:iam::${ACCOUNT}:role${ROLE_PATH}${stack}-task-execution`,
    /** The environment's task role, named as steps/services/task-role.ts names it, or none. */
    taskRoleArn: (env: EnvironmentConfig) => {
      const choice = taskRoleChoice(config, env);
      return choice.kind === 'none' ? undefined : `arn:aws:iam::${ACCOUNT}:role${ROLE_PATH}${stack}-${choice.part}`;
    },
    bucketArn: arns.bucket(place, artifactBucketName(stack, ACCOUNT, config.region)),
    repositoryArn: arns.repository(place, repositoryName(stack)),
    /** What the pipeline deploys: an image of the stack's repository. */
    pipelineImage: `${ACCOUNT}.dkr.ecr.${config.region}.amazonaws.com/${repositoryName(stack)}:3f9c2ab`,
    connectionArn: `arn:aws:codeconnections:${config.region}:${ACCOUNT}:connection/${CONNECTION_ID}`,
    projectArn: arns.codeBuildProject(place, projectName(stack)),
    markProjectArn: arns.codeBuildProject(place, markProjectName(stack)),
  };
}

type Facts = ReturnType<typeof factsOf>;

// ---- task definitions ----------------------------------------------------------------------------

/** A revision as DescribeTaskDefinition reports what RegisterTaskDefinition was given: with the fields AWS fills in. */
function reportedRevision(input: ReturnType<typeof firstRevision>, arn: string, revision: number): TaskDefinition {
  const { tags: _tags, ...given } = input;
  return {
    ...given,
    taskDefinitionArn: arn,
    revision,
    status: 'ACTIVE',
    compatibilities: ['EC2', 'FARGATE'],
    volumes: [],
    placementConstraints: [],
    containerDefinitions: (given.containerDefinitions ?? []).map((c) => ({ ...c, cpu: 0, environment: [], mountPoints: [], volumesFrom: [], systemControls: [] })),
  };
}

function taskDefinitionsOf(config: Config, f: Facts) {
  return Object.fromEntries(
    config.environments.map((env) => {
      const family = taskFamily(f.stack, env.name);
      const tags = stackTags(f.stack).list('services', env.name);
      const owned = ownedSettings(config, env, { executionRoleArn: f.executionRoleArn, logGroup: logGroupName(f.stack, env.name), taskRoleArn: f.taskRoleArn(env), place: f.place });
      const register = firstRevision(config, family, owned, tags);
      const registered = reportedRevision(register, f.taskDefinitionArn(env.name, 1), 1);
      const decide = (td: TaskDefinition) => {
        const drift = taskDefinitionDrift(td, owned);
        return { drift, newRevision: drift.length === 0 ? null : nextRevision(config, family, td, owned, tags) };
      };
      const deployed: TaskDefinition = {
        ...registered,
        taskDefinitionArn: f.taskDefinitionArn(env.name, 2),
        revision: 2,
        containerDefinitions: registered.containerDefinitions!.map((c) => ({ ...c, image: f.pipelineImage })),
      };
      const drifted: TaskDefinition = {
        ...deployed,
        cpu: String(env.cpu * 2),
        memory: String(env.memory * 2),
        containerDefinitions: deployed.containerDefinitions!.map((c) => ({
          ...c,
          portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }],
          logConfiguration: { logDriver: 'awslogs', options: { ...c.logConfiguration!.options, 'awslogs-group': '/edited/by-hand' } },
        })),
      };
      return [
        env.name,
        {
          register,
          fingerprint: ownedFingerprint(family, owned),
          reported: {
            'as registered': decide(registered),
            'image deployed by the pipeline': decide(deployed),
            'cpu, memory, port and log group edited by hand, on the pipeline image': decide(drifted),
          },
        },
      ];
    }),
  );
}

// ---- services ------------------------------------------------------------------------------------

/** A service as DescribeServices reports what CreateService was given. */
function reportedService(input: ReturnType<typeof createServiceInput>, f: Facts, env: string): Service {
  const { clientToken: _token, cluster: _cluster, tags, ...given } = input;
  return { ...given, serviceArn: f.serviceArn(env), clusterArn: `arn:aws:ecs:${f.place.region}:${ACCOUNT}:cluster/${f.cluster}`, status: 'ACTIVE', runningCount: given.desiredCount, pendingCount: 0, tags };
}

function servicesOf(config: Config, f: Facts) {
  const blueGreen = controllerFor(config) === 'CODE_DEPLOY';
  return Object.fromEntries(
    config.environments.map((env) => {
      const name = serviceName(f.stack, env.name);
      const facts = { subnets: f.subnets, securityGroup: f.securityGroup(env.name), targetGroupArn: f.blue(env.name), taskDefinition: f.taskDefinitionArn(env.name, 1) };
      const want = serviceSettings(config, env, facts);
      const tags = stackTags(f.stack).list('services', env.name);
      // Blue/green starts on the group the production route serves: the first one on a new stack.
      const create = createServiceInput(config, want, { cluster: f.cluster, serviceName: name, startOn: f.blue(env.name), tags, clientToken: CLIENT_TOKEN });
      const created = reportedService(create, f, env.name);
      const decide = (s: Service, settings: ServiceSettings = want) => {
        if (blueGreen) {
          const { changes, unchangeable } = blueGreenServiceDrift(s, settings, [f.blue(env.name), f.green(env.name)]);
          return { changes, unchangeable, update: changes.length === 0 ? null : updateServiceInput(config, settings, { cluster: f.cluster, service: name }, changes, s) };
        }
        const changes = serviceDrift(s, settings);
        return { changes, update: changes.length === 0 ? null : updateServiceInput(config, settings, { cluster: f.cluster, service: name }, changes, s) };
      };
      const byHand: Service = {
        ...created,
        desiredCount: env.desiredCount + 2,
        deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 200 },
        healthCheckGracePeriodSeconds: 0,
        propagateTags: 'NONE',
      };
      const reported: Record<string, unknown> = {
        'as created': decide(created),
        'desired count, deployment settings, grace period and tag propagation edited by hand': decide(byHand),
        'a new revision registered in this run': decide(created, { ...want, taskDefinition: f.taskDefinitionArn(env.name, 2) }),
        // ECS Exec (issue 13): a rolling service takes it with a new deployment; a CODE_DEPLOY one only when created.
        'ECS Exec switched by hand': decide({ ...created, enableExecuteCommand: !want.enableExecuteCommand }),
        'moved to other subnets by hand': decide({ ...created, networkConfiguration: { awsvpcConfiguration: { ...want.networkConfiguration.awsvpcConfiguration!, subnets: ['subnet-0f0e0d0c0b0a00001'] } } }),
      };
      if (blueGreen) {
        // After a CodeDeploy deployment: the tasks run the new revision on the second group.
        reported['after a CodeDeploy deployment, on the second target group'] = decide(
          { ...created, taskDefinition: f.taskDefinitionArn(env.name, 2), loadBalancers: [{ ...want.loadBalancers[0]!, targetGroupArn: f.green(env.name) }] },
        );
      }
      return [env.name, { create, reported }];
    }),
  );
}

// ---- routes ----------------------------------------------------------------------------------------

/** CodeDeploy's production route after a deployment: a weighted forward, the second group at 100. */
const weightedForward = (to: string, from: string): Action[] => [
  { Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: from, Weight: 0 }, { TargetGroupArn: to, Weight: 100 }], TargetGroupStickinessConfig: { Enabled: false } } },
];
/** How AWS reports a single-target forward: the ARN, and a ForwardConfig with weight 1. */
const reportedForward = (to: string): Action[] => [
  { Type: 'forward', TargetGroupArn: to, Order: 1, ForwardConfig: { TargetGroups: [{ TargetGroupArn: to, Weight: 1 }], TargetGroupStickinessConfig: { Enabled: false } } },
];

function routesOf(config: Config, f: Facts) {
  const blueGreen = config.deploy.strategy === 'blue-green';
  const pair = (env: string) => ({ blue: f.blue(env), green: blueGreen ? f.green(env) : undefined });
  const defaultEnv = config.environments.find((e) => e.path === undefined && e.host === undefined)!;
  const albTags = (part: string) => stackTags(f.stack).list('alb', part);
  const production = (env: string, current?: readonly Action[], sibling?: string, deploying = false) =>
    [...routeActions(blueGreen, pair(env), current, sibling, deploying)];

  const { forwarding, redirecting } = productionListeners(config);
  const listenerCreate = (spec: ListenerSettings, actions: Action[]) => ({ key: spec.key, create: createListenerInput(f.loadBalancerArn, spec, config, actions, albTags(spec.part)) });
  const listeners = [
    listenerCreate(forwarding, production(defaultEnv.name)),
    ...(redirecting ? [listenerCreate(redirecting, REDIRECT_TO_HTTPS)] : []),
    // A test listener serves the group its production route serves.
    ...(blueGreen ? config.environments.map((env) => listenerCreate(testListener(config, env.name), production(env.name, undefined, liveGroup(production(env.name))))) : []),
  ];
  const routed = routedEnvironments(config);
  const listenerArn = f.listenerArn(0);
  const rules = routed.map((route) => ({ env: route.env.name, create: createRuleInput(listenerArn, route, production(route.env.name), albTags(`${route.env.name}-rule`)) }));

  const asListener = (spec: ListenerSettings, actions: Action[], n: number): Listener => ({
    ListenerArn: f.listenerArn(n),
    LoadBalancerArn: f.loadBalancerArn,
    Port: spec.port,
    Protocol: spec.https ? 'HTTPS' : 'HTTP',
    DefaultActions: actions,
    ...(spec.https ? { Certificates: [{ CertificateArn: config.alb.certificateArn! }], SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' } : {}),
  });
  const decideListener = (l: Listener, spec: ListenerSettings, want: Action[]) => {
    const drift = listenerDrift(l, spec, config, want);
    return { drift, modify: drift.length === 0 ? null : modifyListenerInput(l, spec, config, drift, want) };
  };
  const ruleOf = (route: (typeof routed)[number], actions: Action[], priority = route.priority): Rule => ({
    RuleArn: f.ruleArn(route.env.name),
    Priority: String(priority),
    Conditions: createRuleInput(listenerArn, route, actions, []).Conditions,
    Actions: actions,
    IsDefault: false,
  });
  const decideRule = (r: Rule, route: (typeof routed)[number], want: Action[]) => {
    const drift = ruleDrift(r, route, want);
    return { drift, modify: modifyRuleInput(r, route, drift, want) ?? null };
  };

  const env = defaultEnv.name;
  const reported: Record<string, unknown> = {
    'the production listener as created': decideListener(asListener(forwarding, reportedForward(f.blue(env)), 0), forwarding, production(env, reportedForward(f.blue(env)))),
    'the production listener forwarding to a group of someone else': (() => {
      const current = reportedForward(f.blue(env).replace(/targetgroup\/[^/]+/, 'targetgroup/someone-elses'));
      return decideListener(asListener(forwarding, current, 0), forwarding, production(env, current));
    })(),
  };
  const first = routed[0];
  if (first !== undefined) {
    const actions = reportedForward(f.blue(first.env.name));
    reported['a rule as created'] = decideRule(ruleOf(first, actions), first, production(first.env.name, actions));
    reported['a rule whose conditions were edited by hand'] = decideRule(
      { ...ruleOf(first, actions), Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/edited'] }, Values: ['/edited'] }] },
      first,
      production(first.env.name, actions),
    );
  }
  if (routed.length > 1) {
    const actions = reportedForward(f.blue(routed[0]!.env.name));
    // The config's order changed: every rule found at another priority moves, in one call.
    reported['the rules found in the reverse order'] = priorityMoves(routed, (route) => ruleOf(route, actions, 10 * (routed.length - routed.indexOf(route))));
  }
  if (blueGreen) {
    const after = weightedForward(f.green(env), f.blue(env));
    reported["the production route after a CodeDeploy deployment (CodeDeploy's weighted forward)"] = decideListener(asListener(forwarding, after, 0), forwarding, production(env, after));
    const elsewhere = reportedForward(f.blue(env).replace(/targetgroup\/[^/]+/, 'targetgroup/someone-elses'));
    // The test listener serves the second group: the repaired route follows it.
    reported['the production route forwarding elsewhere, the test listener on the second group'] = decideListener(
      asListener(forwarding, elsewhere, 0),
      forwarding,
      production(env, elsewhere, f.green(env)),
    );
    reported['the production route forwarding elsewhere while a deployment runs'] = decideListener(asListener(forwarding, elsewhere, 0), forwarding, production(env, elsewhere, f.green(env), true));
  }
  return { listeners, rules, reported };
}

// ---- IAM -------------------------------------------------------------------------------------------

function roleOf(stack: string, spec: RoleSpec) {
  return {
    name: `${stack}-${spec.part}`,
    path: ROLE_PATH,
    description: spec.description,
    trustPolicy: trustPolicy(spec.trust, spec.trustCondition),
    managedPolicies: spec.managedPolicies ?? [],
    inlinePolicies: spec.inlinePolicies ?? {},
  };
}

function rolesOf(config: Config, f: Facts) {
  const specs = [
    executionRoleSpec(f.stack, f.place.partition, executionSecretStatements(config, f.place)),
    ...wantedTaskRoles({ config, tags: stackTags(f.stack), accountId: ACCOUNT }),
    buildRoleSpec(config, { place: f.place, bucketArn: f.bucketArn, repositoryArn: f.repositoryArn }),
    pipelineRoleSpec(config, {
      place: f.place,
      cluster: f.cluster,
      bucketArn: f.bucketArn,
      connectionArn: f.connectionArn,
      projectArn: f.projectArn,
      markProjectArn: f.markProjectArn,
      executionRoleArn: f.executionRoleArn,
      taskRoleArns: wantedTaskRoles({ config, tags: stackTags(f.stack), accountId: ACCOUNT }).map((spec) => `arn:aws:iam::${ACCOUNT}:role${ROLE_PATH}${f.stack}-${spec.part}`),
      serviceArns: Object.fromEntries(config.environments.map((e: EnvironmentConfig) => [e.name, f.serviceArn(e.name)])),
    }),
  ];
  return {
    roles: Object.fromEntries(specs.map((spec) => [spec.key, roleOf(f.stack, spec)])),
    bucketPolicies: { 'artifacts.bucket': tlsOnlyPolicy(f.place.partition, artifactBucketName(f.stack, ACCOUNT, config.region)) },
  };
}

/** Every setting of a config, by golden file name. */
export function settingsOf(config: Config): Record<string, unknown> {
  const f = factsOf(config);
  return {
    'task-definitions': taskDefinitionsOf(config, f),
    services: servicesOf(config, f),
    routes: routesOf(config, f),
    iam: rolesOf(config, f),
    scaling: scalingOf(config, f),
  };
}

/**
 * Per environment: its target groups' health check (CreateTargetGroup / ModifyTargetGroup members),
 * its service's grace period, and with autoscaling the scalable target's range and each target
 * tracking policy's configuration (null: a target not set, whose policy goes).
 */
function scalingOf(config: Config, f: Facts) {
  return Object.fromEntries(
    config.environments.map((env) => {
      const settings = environmentSettings(config, env);
      const scaling = settings.autoscaling;
      return [
        env.name,
        {
          targetGroupHealthCheck: targetGroupHealthCheck(settings.healthCheck),
          healthCheckGracePeriodSeconds: settings.healthCheck.gracePeriodSeconds,
          autoscaling: scaling
            ? { min: scaling.min, max: scaling.max, policies: targetTrackingPolicies(scaling, resourceLabel(f.loadBalancerArn, f.blue(env.name))) }
            : null,
        },
      ];
    }),
  );
}

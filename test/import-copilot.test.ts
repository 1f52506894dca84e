// `shipline import-copilot DIR`: realistic Copilot workspaces (test/fixtures/copilot/, after
// Copilot's own testdata and docs examples) become a shipline.yml that provision accepts, and every
// field that does not carry is listed, exactly, with its manifest and why.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../src/cli';
import { importCopilotCommand, type ImportCopilotOptions } from '../src/commands/import-copilot';
import { githubOwnerName } from '../src/commands/import-copilot/pipeline-fields';
import { notCarriedLine } from '../src/commands/import-copilot/report';
import { architectureFrom, autoscalingOf, desiredCountFrom, healthCheckFrom, routeFrom } from '../src/commands/import-copilot/service-fields';
import type { Suggestions } from '../src/commands/init';
import { loadConfig } from '../src/config';
import { ConfigError, UsageError } from '../src/errors';
import { fakeTerminal } from './helpers/fake-terminal';
import { harness } from './helpers/harness';

const FIXTURES = path.join(__dirname, 'fixtures', 'copilot');
const fixture = (name: string) => path.join(FIXTURES, name);
const tmp = () => mkdtempSync(path.join(tmpdir(), 'shipline-import-'));

const io = (answers?: string[]) => fakeTerminal(answers);

const NO_SUGGESTIONS: Suggestions = { region: async () => undefined, repository: async () => undefined };

async function run(name: string, options: Partial<ImportCopilotOptions> = {}, terminal = io()) {
  const cwd = tmp();
  const result = await importCopilotCommand({ dir: fixture(name), cwd, region: 'eu-west-3', suggest: NO_SUGGESTIONS, ...options }, terminal);
  return { ...result, cwd, config: await loadConfig(result.file), text: readFileSync(result.file, 'utf8'), lines: result.imported.notCarried.map(notCarriedLine), terminal };
}

const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e);

describe('import-copilot: a web service at "/" with three environments and a pipeline with an approval', () => {
  it('carries the stages in order, the approval, each override, the platform and the port; environments at "/" other than the default get a path', async () => {
    const { config, file, cwd } = await run('web-pipeline');
    expect(file).toBe(path.join(cwd, 'shipline.yml'));
    expect(config).toMatchObject({
      stack: 'shop',
      region: 'eu-west-3',
      source: { repository: 'acme/shop', branch: 'main' },
      services: { architecture: 'ARM64', containerPort: 8080 },
      deploy: { strategy: 'rolling' },
    });
    expect(config.environments).toEqual([
      { name: 'test', path: '/test', cpu: 256, memory: 512, desiredCount: 1, approval: false },
      { name: 'staging', path: '/staging', cpu: 256, memory: 512, desiredCount: 2, approval: false },
      { name: 'prod', cpu: 1024, memory: 2048, desiredCount: 3, approval: true },
    ]);
  });

  it('lists exactly what it could not carry', async () => {
    const { lines } = await run('web-pipeline');
    expect(lines).toEqual([
      'copilot/pipelines/shop-main/manifest.yml › stages[1].test_commands: shipline runs no tests after a deployment; run them in the build (buildspec.yml)',
      `copilot/frontend/manifest.yml › environments.prod.deployment.rolling: "recreate": shipline starts new tasks before it stops the old ones (ECS's default rolling update)`,
      `copilot/frontend/manifest.yml › http.path: "/": Copilot gave each environment a load balancer of its own; shipline's share one, so test is served at /test (the app sees that prefix)`,
      `copilot/frontend/manifest.yml › http.path: "/": Copilot gave each environment a load balancer of its own; shipline's share one, so staging is served at /staging (the app sees that prefix)`,
    ]);
  });

  it('prints what was carried and, one line each, what was not, and keeps that list in the file', async () => {
    const { terminal, text, lines } = await run('web-pipeline');
    expect(terminal.out()).toContain('environments[2].approval = true  ← copilot/pipelines/shop-main/manifest.yml › stages[2].requires_approval');
    expect(terminal.out()).toContain('not carried (4):');
    for (const line of lines) expect(terminal.out()).toContain(`  ${line}\n`);
    expect(terminal.out()).toContain('4 Copilot fields could not be carried');
    expect(text).toMatch(/^# shipline config imported from the AWS Copilot workspace/);
    expect(text).toContain(`#   ${lines[0]}`);
  });
});

describe('import-copilot: an API on a path and an alias, autoscaling, secrets and a certificate', () => {
  it('carries the path and host, the range minimum as desiredCount, the branch and the one certificate', async () => {
    const { config } = await run('api-alias');
    expect(config).toMatchObject({
      stack: 'payments',
      source: { repository: 'acme/payments', branch: 'release' },
      alb: { certificateArn: 'arn:aws:acm:eu-west-3:123456789012:certificate/13245665-cv8f-adf3-j7gd-adf876af95' },
      services: {
        architecture: 'X86_64',
        containerPort: 3000,
        // Issue 13's fields: an SSM name and a Secrets Manager ARN carry; a secret by name and a CloudFormation import do not.
        variables: { LOG_LEVEL: 'info' },
        secrets: { GITHUB_TOKEN: 'GITHUB_TOKEN', API_KEY: 'arn:aws:secretsmanager:eu-west-3:123456789012:secret:payments/api-AbCdEf' },
        exec: true,
        healthCheck: { path: '/api/health' },
      },
    });
    // prod's count overrides the range and CPU target; the request target comes from the service's count.
    expect(config.environments).toEqual([
      { name: 'test', path: '/api', host: 'test.api.example.com', cpu: 256, memory: 512, desiredCount: 1, approval: false, variables: { LOG_LEVEL: 'debug' } },
      {
        name: 'prod', cpu: 256, memory: 512, desiredCount: 2, approval: true,
        autoscaling: { min: 2, max: 20, cpuPercent: 60, memoryPercent: null, requestsPerTarget: 30, scaleInCooldownSeconds: 300, scaleOutCooldownSeconds: 60 },
      },
    ]);
  });

  it('lists the secrets that do not carry (by name, a CloudFormation import) and the hosted zone', async () => {
    const { lines } = await run('api-alias');
    const file = 'copilot/api/manifest.yml';
    expect(lines).toEqual([
      'copilot/pipelines/api/manifest.yml › source.properties.connection_name: "acme-github": shipline makes a CodeConnections connection of its own (approve it once after the first provision)',
      `${file} › secrets.DB_SECRET: Secrets Manager secret "mysql": shipline names a Secrets Manager secret by its ARN; write the ARN (with the JSON key, "…:key::", if any)`,
      `${file} › secrets.DB_HOST: the CloudFormation export "payments-db-host": shipline reads no CloudFormation exports; give the parameter's name or the secret's ARN`,
      `${file} › environments.prod.http.alias[0].hosted_zone: "Z0873220N255IR3MTNR4": shipline writes the DNS records of its domain in the zone, and gets the certificate itself; set domain: { name: "api.example.com", hostedZoneId: "Z0873220N255IR3MTNR4" } (without alb.certificateArn) to have it do so`,
      `${file} › environments.prod.http.alias: "api.example.com": prod is shipline's default environment, served for every host no other environment takes (exactly one environment has no path or host)`,
      `${file} › http.path: "/api": prod is shipline's default environment, served at every path no other environment takes, not only /api`,
    ]);
  });

  it('does not carry a certificate of another region (a load balancer takes one of its own region)', async () => {
    const { config, lines } = await run('api-alias', { region: 'us-east-1' });
    expect(config.alb.certificateArn).toBeNull();
    expect(lines).toContain('copilot/environments/test/manifest.yml › http.public.certificates[0]: "arn:aws:acm:eu-west-3:123456789012:certificate/13245665-cv8f-adf3-j7gd-adf876af95" is in eu-west-3; a load balancer in us-east-1 takes a certificate of its own region');
  });
});

describe('import-copilot: an environment in an imported VPC, sidecars, storage, addons and a worker', () => {
  it('without a pipeline and without a terminal, exits 2 naming --repository, and writes nothing', async () => {
    const cwd = tmp();
    const error = await failure(importCopilotCommand({ dir: fixture('imported-vpc'), cwd, region: 'eu-west-3' }, io()));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toContain('--repository');
    expect(existsSync(path.join(cwd, 'shipline.yml'))).toBe(false);
  });

  it('carries the task size, count and platform, and lists the VPC, each sidecar, volume and addon file, and the worker', async () => {
    const { config, lines, imported } = await run('imported-vpc', { repository: 'acme/inventory' });
    // The imported VPC carries (issue 14), with the NAT mode it requires; the written file loads.
    expect(config.network).toEqual({
      vpcId: 'vpc-0a1b2c3d4e5f67890',
      publicSubnetIds: ['subnet-0aaa1111bbbb2222c', 'subnet-0ddd3333eeee4444f'],
      privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
    });
    expect(config.nat.mode).toBe('none');
    expect(imported.carried.map((c) => c.setting)).toEqual(expect.arrayContaining(['network.vpcId', 'network.publicSubnetIds', 'network.privateSubnetIds', 'nat.mode']));
    expect(imported.carried.find((c) => c.setting === 'network.vpcId')?.from).toBe('copilot/environments/prod/manifest.yml › network.vpc.id');
    expect(config).toMatchObject({ stack: 'inventory-app', source: { repository: 'acme/inventory', branch: 'main' }, services: { architecture: 'X86_64', containerPort: 80 } });
    expect(config.environments).toEqual([{ name: 'prod', cpu: 512, memory: 1024, desiredCount: 2, approval: false }]);
    const file = 'copilot/web/manifest.yml';
    expect(lines).toEqual([
      `copilot/.workspace › application: "Inventory_App": shipline's stack names are 2-20 lowercase letters, digits or hyphens; written as "inventory-app"`,
      `${file} › image.build: "./web/Dockerfile": shipline's buildspec builds ./Dockerfile at the repository root; edit the buildspec.yml \`shipline init-app\` writes to build this one`,
      `${file} › http.stickiness: shipline does not turn on target group stickiness`,
      `${file} › sidecars.nginx: shipline runs one container per task (no sidecars)`,
      `${file} › sidecars.datadog: shipline runs one container per task (no sidecars)`,
      `${file} › storage.readonly_fs: shipline leaves the container's root file system writable`,
      `${file} › storage.volumes.assets: shipline mounts no volumes (no EFS)`,
      `${file} › logging: shipline sends logs to CloudWatch Logs with awslogs (no FireLens)`,
      'copilot/environments/prod/manifest.yml › observability.container_insights: true: shipline has one cluster for every environment; set services.containerInsights to true to turn it on for all (it costs money)',
      'copilot/web/addons/addons.parameters.yml › addons: shipline deploys no CloudFormation addons; make these resources another way',
      'copilot/web/addons/orders-table.yml › addons: shipline deploys no CloudFormation addons; make these resources another way',
      'copilot/jobs/manifest.yml › type: "Worker Service": shipline runs Load Balanced Web Services only',
    ]);
  });

  it('on a terminal, asks for the repository and the region, offering the suggestions', async () => {
    const terminal = io(['', '']);
    const suggest: Suggestions = { region: async () => 'eu-north-1', repository: async () => 'acme/inventory' };
    const { config } = await run('imported-vpc', { region: undefined, suggest }, terminal);
    expect(config).toMatchObject({ region: 'eu-north-1', source: { repository: 'acme/inventory' } });
    expect(terminal.questions).toEqual(['AWS region [eu-north-1]: ', 'No pipeline names a GitHub repository. GitHub repository to build (owner/name) [acme/inventory]: ']);
  });
});

describe('import-copilot: two web services and a scheduled job', () => {
  it('without --service and without a terminal, exits 2 listing the web services', async () => {
    const error = await failure(importCopilotCommand({ dir: fixture('two-services'), cwd: tmp(), region: 'eu-west-3', repository: 'acme/acme' }, io()));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe('the workspace has 2 Load Balanced Web Services (api, frontend), and shipline runs one per stack: name it with --service');
  });

  it('with --service api: its path (written "api" in the manifest) for test, the default for prod, the rest listed', async () => {
    const { config, lines } = await run('two-services', { service: 'api', repository: 'acme/acme' });
    expect(config).toMatchObject({ stack: 'acme', source: { repository: 'acme/acme', branch: 'main' }, services: { architecture: 'X86_64', containerPort: 8080 } });
    expect(config.environments).toEqual([
      { name: 'test', path: '/api', cpu: 512, memory: 1024, desiredCount: 2, approval: false },
      { name: 'prod', cpu: 512, memory: 1024, desiredCount: 2, approval: true },
    ]);
    expect(lines).toEqual([
      'copilot/pipelines/release/manifest.yml › source.provider: "Bitbucket": shipline builds from GitHub only (through CodeConnections)',
      `copilot/api/manifest.yml › http.path: "/api": prod is shipline's default environment, served at every path no other environment takes, not only /api`,
      'copilot/frontend/manifest.yml › type: "Load Balanced Web Service": shipline runs one Load Balanced Web Service per stack; import it into a stack of its own (--service frontend)',
      'copilot/report/manifest.yml › type: "Scheduled Job": shipline runs Load Balanced Web Services only',
    ]);
  });

  it('on a terminal, asks which web service', async () => {
    const terminal = io(['frontend']);
    const { config, lines } = await run('two-services', { repository: 'acme/acme' }, terminal);
    expect(terminal.questions).toEqual(['Which service (api, frontend) [api]: ']);
    expect(config.services.containerPort).toBe(80);
    expect(lines).toContain('copilot/api/manifest.yml › type: "Load Balanced Web Service": shipline runs one Load Balanced Web Service per stack; import it into a stack of its own (--service api)');
  });

  it('refuses a --service that is not a web service of the workspace, naming the ones that are', async () => {
    const error = await failure(importCopilotCommand({ dir: fixture('two-services'), cwd: tmp(), region: 'eu-west-3', service: 'report' }, io()));
    expect((error as UsageError).message).toBe('--service report: not a Load Balanced Web Service of the workspace; expected one of api, frontend');
  });
});

describe('import-copilot: what it writes, and where', () => {
  it('without --region and without a terminal, exits 2 naming the flag', async () => {
    const error = await failure(importCopilotCommand({ dir: fixture('web-pipeline'), cwd: tmp() }, io()));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toContain('--region');
  });

  it.each(['shipline.yml', 'shipline.json', 'shipline.yaml'])('never overwrites, nor writes beside, an existing %s', async (existing) => {
    const cwd = tmp();
    writeFileSync(path.join(cwd, existing), 'mine\n');
    const error = await failure(importCopilotCommand({ dir: fixture('web-pipeline'), cwd, region: 'eu-west-3' }, io()));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toContain(`${path.join(cwd, existing)} already exists`);
    expect(readFileSync(path.join(cwd, existing), 'utf8')).toBe('mine\n');
  });

  it('writes to --out, and refuses an --out that is not YAML', async () => {
    const cwd = tmp();
    const { file } = await importCopilotCommand({ dir: fixture('web-pipeline'), cwd, region: 'eu-west-3', out: 'deploy/shop.yml' }, (mkdirSync(path.join(cwd, 'deploy')), io()));
    expect(file).toBe(path.join(cwd, 'deploy', 'shop.yml'));
    expect((await loadConfig(file)).stack).toBe('shop');
    const error = await failure(importCopilotCommand({ dir: fixture('web-pipeline'), cwd, region: 'eu-west-3', out: 'shop.json' }, io()));
    expect((error as UsageError).message).toContain('expected a .yml or .yaml file name');
  });

  it('checks the config as provision would and writes nothing invalid, naming why', async () => {
    const dir = tmp();
    cpSync(fixture('web-pipeline'), dir, { recursive: true });
    const manifest = path.join(dir, 'copilot/frontend/manifest.yml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('memory: 512', 'memory: 4096'));
    const cwd = tmp();
    const error = await failure(importCopilotCommand({ dir, cwd, region: 'eu-west-3' }, io()));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('Fargate does not offer 4096 MiB with 256 CPU units');
    expect(existsSync(path.join(cwd, 'shipline.yml'))).toBe(false);
  });

  it('says which directory is no Copilot workspace, and which manifest is no YAML (with its line)', async () => {
    const empty = tmp();
    expect(((await failure(importCopilotCommand({ dir: empty, cwd: tmp(), region: 'eu-west-3' }, io()))) as UsageError).message).toBe(`${empty} is not a Copilot workspace: it has no copilot/ directory`);
    const dir = tmp();
    cpSync(fixture('web-pipeline'), dir, { recursive: true });
    writeFileSync(path.join(dir, 'copilot/frontend/manifest.yml'), 'name: frontend\ntype: [unclosed\n');
    const error = await failure(importCopilotCommand({ dir, cwd: tmp(), region: 'eu-west-3' }, io()));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/^copilot\/frontend\/manifest\.yml is not valid YAML at line \d+, column \d+/);
  });

  it('runs from the command line: exit 0 with a could-not-carry list, exit 2 for a missing flag, an example in --help', async () => {
    const cwd = tmp();
    const terminal = io();
    const out = path.join(cwd, 'shipline.yml');
    expect(await main(['import-copilot', fixture('web-pipeline'), '--region', 'eu-west-3', '--out', out], terminal)).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(terminal.out()).toContain('could not be carried');
    expect(await main(['import-copilot', fixture('two-services'), '--region', 'eu-west-3', '--out', path.join(tmp(), 'shipline.yml')], io())).toBe(2);
    const help = io();
    await main(['import-copilot', '--help'], help);
    expect(help.out()).toContain('shipline import-copilot ../my-app --service frontend --region eu-west-3');
  });
});

describe('import-copilot: workspaces without a pipeline or environment manifests', () => {
  /** A workspace of the given files (path → text) in a temporary directory. */
  function workspace(files: Record<string, string>): string {
    const dir = tmp();
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    return dir;
  }
  const web = 'name: web\ntype: Load Balanced Web Service\nimage:\n  port: 80\nhttp:\n  path: /\n';

  it("takes the environments from the service's overrides, renames what shipline cannot name, and names the fields it does not know", async () => {
    const dir = workspace({
      'copilot/.workspace': 'application: shop\n',
      'copilot/web/manifest.yml': `${web}healthcheck_grace: 30s\nenvironments:\n  pre-prod:\n    count: 2\n  production:\n    count: 4\n`,
    });
    const result = await importCopilotCommand({ dir, cwd: tmp(), region: 'eu-west-3', repository: 'acme/shop' }, io());
    const config = await loadConfig(result.file);
    expect(config.environments.map((e) => [e.name, e.path, e.desiredCount])).toEqual([['preprod', '/preprod', 2], ['production', undefined, 4]]);
    expect(result.imported.notCarried.map(notCarriedLine)).toEqual([
      'copilot/web/manifest.yml › healthcheck_grace: import-copilot does not know this field; carry it by hand if shipline has an equivalent',
      `copilot/web/manifest.yml › name: "pre-prod": shipline's environment names are 1-10 lowercase letters or digits; written as "preprod"`,
      `copilot/web/manifest.yml › http.path: "/": Copilot gave each environment a load balancer of its own; shipline's share one, so preprod is served at /preprod (the app sees that prefix)`,
    ]);
  });

  it('with no environment anywhere, exits 2 saying where environments are looked for', async () => {
    const dir = workspace({ 'copilot/.workspace': 'application: shop\n', 'copilot/web/manifest.yml': web });
    const error = await failure(importCopilotCommand({ dir, cwd: tmp(), region: 'eu-west-3', repository: 'acme/shop' }, io()));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe('found no environment: no pipeline stages, no copilot/environments/<env>/manifest.yml, no "environments:" in the service manifest');
  });
});

describe('import-copilot: the written config runs', () => {
  it('plans in the sandbox as written: the stack, and a service per imported environment', async () => {
    const { file } = await run('web-pipeline');
    const h = harness();
    try {
      const result = await h.run('plan', '--json', '--config', file);
      expect(result.code).toBe(0);
      const doc = JSON.parse(result.stdout) as { stack: string; changes: Array<{ step: string; resource: string; action: string }> };
      expect(doc.stack).toBe('shop');
      const services = doc.changes.filter((c) => c.step === 'services').map((c) => c.resource);
      for (const env of ['test', 'staging', 'prod']) expect(services.some((r) => r.endsWith(`.${env}`))).toBe(true);
    } finally {
      h.restore();
    }
  });
});

describe('import-copilot field mappings', () => {
  const file = 'copilot/web/manifest.yml';

  it('platform: linux/arm64 → ARM64, linux/amd64 and the map form → X86_64, none → X86_64 (Copilot\'s default), Windows refused', () => {
    expect(architectureFrom('linux/arm64', file).value).toBe('ARM64');
    expect(architectureFrom('linux/amd64', file).value).toBe('X86_64');
    expect(architectureFrom({ osfamily: 'linux', architecture: 'arm64' }, file).value).toBe('ARM64');
    expect(architectureFrom(undefined, file)).toEqual({ value: 'X86_64', notes: [] });
    expect(architectureFrom({ osfamily: 'windows_server_2019_core', architecture: 'x86_64' }, file)).toEqual({
      value: undefined,
      notes: [{ file, field: 'platform', reason: '{"osfamily":"windows_server_2019_core","architecture":"x86_64"}: shipline runs Linux tasks only' }],
    });
  });

  it('count: spot runs on Fargate with the spot count, a bad range is refused, unknown keys are named', () => {
    expect(desiredCountFrom({ spot: 3 }, file)).toEqual({ value: 3, notes: [{ file, field: 'count.spot', reason: '3: shipline runs on Fargate, not Fargate Spot; desiredCount is 3' }] });
    expect(desiredCountFrom({ range: 'lots' }, file).notes.map((n) => n.field)).toEqual(['count.range']);
    expect(desiredCountFrom({ range: '1-4', scale: 2 }, file).notes.map((n) => n.field)).toEqual(['count.range', 'count.scale']);
    expect(desiredCountFrom(101, file).value).toBeUndefined();
  });

  it('http.healthcheck: a path, or a map whose path, codes, threshold, interval and grace period carry; the rest is named', () => {
    expect(healthCheckFrom('/health', file)).toEqual({ value: { path: '/health' }, notes: [] });
    const mapped = healthCheckFrom({ path: '/ready', success_codes: '200,204', healthy_threshold: 3, interval: '15s', grace_period: '1m30s', timeout: '5s', unhealthy_threshold: 4 }, file);
    expect(mapped.value).toEqual({ path: '/ready', matcher: '200,204', healthyThreshold: 3, intervalSeconds: 15, gracePeriodSeconds: 90 });
    expect(mapped.notes.map((n) => n.field)).toEqual(['http.healthcheck.timeout', 'http.healthcheck.unhealthy_threshold']);
    // What an ALB or the config would refuse is named, not carried.
    expect(healthCheckFrom({ success_codes: '500', interval: '2s', healthy_threshold: 1 }, file)).toEqual({
      value: undefined,
      notes: [
        { file, field: 'http.healthcheck.success_codes', reason: '"500": expected HTTP codes between 200 and 499 like "200" or "200-399" (what an Application Load Balancer takes)' },
        { file, field: 'http.healthcheck.interval', reason: '"2s": expected a duration from 5s to 300s' },
        { file, field: 'http.healthcheck.healthy_threshold', reason: '1: expected a whole number from 2 to 10' },
      ],
    });
  });

  it('count.range with its targets and cooldowns is autoscaling; response time is named; a range with no target is not carried', () => {
    const mapped = autoscalingOf({ range: '1-10', cpu_percentage: 70, requests: { value: 30, cooldown: { in: '2m' } }, cooldown: { out: '30s' }, response_time: '2s' }, file);
    expect(mapped.value).toEqual({ min: 1, max: 10, cpuPercent: 70, requestsPerTarget: 30, scaleInCooldownSeconds: 120, scaleOutCooldownSeconds: 30 });
    expect(mapped.notes.map((n) => n.field)).toEqual(['count.response_time']);
    expect(autoscalingOf({ range: { min: 2, max: 4 }, response_time: '2s' }, file).value).toBeUndefined();
    expect(autoscalingOf(3, file)).toEqual({ value: undefined, notes: [] });
  });

  it('http: false is refused; a list of aliases routes the first host and lists the others', () => {
    expect(routeFrom(false, file).notes.map((n) => n.field)).toEqual(['http']);
    const mapped = routeFrom({ path: '/v1/', alias: ['a.example.com', 'b.example.com'] }, file);
    expect(mapped.value).toEqual({ path: '/v1', host: 'a.example.com' });
    expect(mapped.notes).toEqual([{ file, field: 'http.alias', reason: '"b.example.com": shipline routes one host per environment; carried "a.example.com"' }]);
  });

  it('reads owner/name from GitHub URLs and owner/name itself', () => {
    expect(githubOwnerName('https://github.com/acme/shop')).toBe('acme/shop');
    expect(githubOwnerName('https://github.com/acme/shop.git')).toBe('acme/shop');
    expect(githubOwnerName('acme/shop')).toBe('acme/shop');
    expect(githubOwnerName('https://bitbucket.org/acme/shop')).toBeUndefined();
  });
});

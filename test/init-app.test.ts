import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CONTAINER_NAME } from '../steps/services';
import { appSpecYaml, buildspec, IMAGE_PLACEHOLDER, nginxConfig, READ_ONLY_TASK_DEFINITION_FIELDS } from '../src/app-templates';
import { parseConfig } from '../src/config';
import { BASE_CONFIG, harness, type Harness } from './helpers/harness';

let h: Harness;
afterEach(() => h?.restore());

const app = () => mkdtempSync(path.join(tmpdir(), 'shipline-app-'));

describe('init-app', () => {
  it('writes the buildspec, a Dockerfile and an nginx config into an empty repository', async () => {
    h = harness();
    const dir = app();
    const result = await h.ok('init-app', dir, '--config', h.configPath);
    for (const file of ['buildspec.yml', 'Dockerfile', 'nginx.conf']) expect(result.stdout).toContain(`wrote ${path.join(dir, file)}`);
    expect(readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toContain('COPY nginx.conf /etc/nginx/conf.d/default.conf');
    expect(h.sandbox.calls).toEqual([]); // no AWS involved
  });

  it("keeps the app's own Dockerfile, and never overwrites a buildspec without --force", async () => {
    h = harness();
    const dir = app();
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM my-app\n');
    writeFileSync(path.join(dir, 'buildspec.yml'), 'version: 0.2 # mine\n');
    const refused = await h.run('init-app', dir, '--config', h.configPath);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('buildspec.yml already exists');
    expect(refused.stderr).toContain('--force');
    expect(readFileSync(path.join(dir, 'buildspec.yml'), 'utf8')).toBe('version: 0.2 # mine\n');
    expect(readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toBe('FROM my-app\n');
    await h.ok('init-app', dir, '--config', h.configPath, '--force');
    expect(readFileSync(path.join(dir, 'buildspec.yml'), 'utf8')).toBe(buildspec(parseConfig(BASE_CONFIG, 'test')));
    expect(readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).not.toBe('FROM my-app\n');
  });

  it("the buildspec's imagespec names the task definitions' container", () => {
    const spec = buildspec(parseConfig(BASE_CONFIG, 'test'));
    expect(spec).toContain(`CONTAINER_NAME: ${CONTAINER_NAME}`);
    expect(spec).toMatch(/printf '\[\{"name":"%s","imageUri":"%s"\}\]' "\$CONTAINER_NAME" "\$ECR_REPOSITORY_URL:\$IMAGE_TAG" > imagespec\.json/);
    expect(spec).toMatch(/docker push "\$ECR_REPOSITORY_URL:\$IMAGE_TAG"\n\s+- docker push "\$ECR_REPOSITORY_URL:latest"/);
    expect(spec).toMatch(/artifacts:\n\s+files:\n\s+- imagespec\.json/);
  });

  it('the nginx config answers on / and on every environment path', () => {
    const config = parseConfig({ ...BASE_CONFIG, environments: [{ name: 'dev', path: '/dev' }, { name: 'staging', path: '/staging' }, { name: 'prod' }] }, 'test');
    const conf = nginxConfig(config);
    expect(conf).toContain('listen 80;');
    expect(conf).toContain('location /dev/ {');
    expect(conf).toContain('location = /dev {');
    expect(conf).toContain('location /staging/ {');
    expect(conf).toContain('return 200 "demo: prod\\n"');
  });
});

describe('init-app for blue/green', () => {
  const blueGreen = { ...BASE_CONFIG, deploy: { strategy: 'blue-green' } };
  const config = parseConfig(blueGreen, 'test');

  /** The post_build commands, each a single line or a `- |` block (dedented), in order. */
  function postBuildCommands(spec: string): string[] {
    const lines = spec.slice(spec.indexOf('  post_build:'), spec.indexOf('\nartifacts:')).split('\n').slice(2);
    const commands: string[] = [];
    for (const line of lines) {
      if (line.startsWith('      - |')) commands.push('');
      else if (line.startsWith('      - ')) commands.push(line.slice(8));
      else if (line.startsWith('        ') && commands.length > 0) commands[commands.length - 1] += `${line.slice(8)}\n`;
      else if (line.trim().startsWith('#') || line.trim() === '') continue;
      else throw new Error(`unexpected buildspec line: ${line}`);
    }
    return commands;
  }

  it('writes the blue/green buildspec and says it names the environments', async () => {
    h = harness({ config: blueGreen });
    const dir = app();
    const result = await h.ok('init-app', dir, '--config', h.configPath);
    expect(readFileSync(path.join(dir, 'buildspec.yml'), 'utf8')).toBe(buildspec(config));
    expect(result.stdout).toContain('blue/green: the buildspec copies the task definitions of dev, prod');
  });

  it('lists imageDetail.json, appspec.yml and one task definition template per environment as artifacts', () => {
    const spec = buildspec(config);
    expect(spec).toMatch(/artifacts:\n {2}files:\n {4}- imageDetail\.json\n {4}- appspec\.yml\n {4}- taskdef-dev\.json\n {4}- taskdef-prod\.json\n$/);
    expect(spec).toContain('for PAIR in dev=demo-dev prod=demo-prod; do');
    expect(spec).not.toContain('imagespec.json');
  });

  // Needs bash and jq, as CodeBuild's images have them (.ci/run installs jq where it is missing).
  it('run by a shell (a stub aws CLI answering for ECS), writes exactly the files CodeDeployToECS reads', () => {
    const dir = app();
    const live = (family: string) => ({
      taskDefinitionArn: `arn:aws:ecs:eu-west-3:123456789012:task-definition/${family}:7`,
      family,
      revision: 7,
      status: 'ACTIVE',
      requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.logging-driver.awslogs' }],
      compatibilities: ['EC2', 'FARGATE'],
      registeredAt: '2026-01-01T00:00:00Z',
      registeredBy: 'arn:aws:iam::123456789012:role/x',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      executionRoleArn: 'arn:aws:iam::123456789012:role/shipline/demo-task-execution',
      containerDefinitions: [{ name: 'web', image: '123456789012.dkr.ecr.eu-west-3.amazonaws.com/demo:old', portMappings: [{ containerPort: 80 }] }],
    });
    const bin = path.join(dir, 'bin');
    spawnSync('mkdir', [bin]);
    // Answers `aws ecs describe-task-definition --task-definition F --query taskDefinition --output json`.
    const stub = path.join(bin, 'aws');
    writeFileSync(stub, `#!/bin/sh\ncase "$4" in\n${['demo-dev', 'demo-prod'].map((f) => `  ${f}) echo '${JSON.stringify(live(f))}' ;;`).join('\n')}\n  *) exit 1 ;;\nesac\n`);
    chmodSync(stub, 0o755);
    const commands = postBuildCommands(buildspec(config)).filter((c) => !c.startsWith('docker '));
    // A shell function outranks every PATH entry: the stub answers even where a real aws CLI is installed.
    const withStub = (lines: string[]) => [`aws() { '${stub}' "$@"; }`, ...lines].join('\n');
    const run = spawnSync('bash', ['-e', '-c', withStub(commands)], {
      cwd: dir,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CONTAINER_NAME: 'web', ECR_REPOSITORY_URL: '123456789012.dkr.ecr.eu-west-3.amazonaws.com/demo', IMAGE_TAG: 'abc1234' },
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(readFileSync(path.join(dir, 'imageDetail.json'), 'utf8'))).toEqual({ ImageURI: '123456789012.dkr.ecr.eu-west-3.amazonaws.com/demo:abc1234' });
    for (const env of ['dev', 'prod']) {
      const taskdef = JSON.parse(readFileSync(path.join(dir, `taskdef-${env}.json`), 'utf8')) as Record<string, unknown> & { containerDefinitions: Array<{ name: string; image: string }> };
      expect(taskdef.family).toBe(`demo-${env}`);
      expect(taskdef.containerDefinitions).toEqual([{ name: CONTAINER_NAME, image: `<${IMAGE_PLACEHOLDER}>`, portMappings: [{ containerPort: 80 }] }]);
      for (const field of READ_ONLY_TASK_DEFINITION_FIELDS) expect(taskdef).not.toHaveProperty(field);
    }
    expect(readFileSync(path.join(dir, 'appspec.yml'), 'utf8')).toBe(`${appSpecYaml(config)}\n`);
    expect(existsSync(path.join(dir, 'imagespec.json'))).toBe(false);
    expect(existsSync(path.join(dir, 'live-dev.json'))).toBe(false);

    // An ECS call that fails fails the build, rather than leaving an empty template.
    writeFileSync(stub, '#!/bin/sh\necho "An error occurred (ClientException)" >&2\nexit 254\n');
    const failed = spawnSync('bash', ['-c', withStub(commands)], { cwd: dir, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CONTAINER_NAME: 'web' }, encoding: 'utf8' });
    expect(failed.status).not.toBe(0);
  });

  it('the AppSpec names the container and port the services run behind the load balancer', () => {
    const custom = parseConfig({ ...blueGreen, services: { containerPort: 8000 } }, 'test');
    expect(appSpecYaml(custom)).toBe(
      [
        'version: 0.0',
        'Resources:',
        '  - TargetService:',
        '      Type: AWS::ECS::Service',
        '      Properties:',
        '        TaskDefinition: <TASK_DEFINITION>',
        '        LoadBalancerInfo:',
        `          ContainerName: ${CONTAINER_NAME}`,
        '          ContainerPort: 8000',
      ].join('\n'),
    );
  });

  it('the nginx config answers an environment routed by host name in a server of its own', () => {
    const conf = nginxConfig(parseConfig({ ...BASE_CONFIG, environments: [{ name: 'api', host: 'api.example.com' }, { name: 'prod' }] }, 'test'));
    expect(conf).toContain('listen 80 default_server;');
    expect(conf).toContain('server_name api.example.com;');
    expect(conf).toContain('return 200 "demo: api\\n"');
  });
});

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CONTAINER_NAME } from '../steps/services';
import { buildspec, nginxConfig } from '../src/app-templates';
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
    expect(readFileSync(path.join(dir, 'buildspec.yml'), 'utf8')).toBe(buildspec());
    expect(readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).not.toBe('FROM my-app\n');
  });

  it("the buildspec's imagespec names the task definitions' container", () => {
    const spec = buildspec();
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

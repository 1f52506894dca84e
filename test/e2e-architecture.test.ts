// Issue 11, point 7: the build runs on the services' architecture. An image `docker build` makes is
// for the build host's architecture, and a task on the other one stops with "exec format error";
// the sandbox's ECS refuses such a deploy, and its CodeBuild refuses a curated image on the wrong
// environment type, as CodeBuild does.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildEnvironment, imageArchitecture } from '../src/build-image';
import { parseConfig } from '../src/config';
import { BASE_CONFIG, harness, type Harness } from './helpers/harness';
import { stateOf } from './helpers/promises';
import { runningImage } from './helpers/running';

let h: Harness;
afterEach(() => h?.restore());

describe('the build image follows services.architecture', () => {
  it('derives the curated image and environment type from the architecture unless build.image is set', () => {
    expect(buildEnvironment('ARM64')).toEqual({ type: 'ARM_CONTAINER', image: 'aws/codebuild/amazonlinux-aarch64-standard:3.0' });
    expect(buildEnvironment('X86_64')).toEqual({ type: 'LINUX_CONTAINER', image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0' });
    expect(buildEnvironment('X86_64', 'aws/codebuild/standard:7.0')).toEqual({ type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0' });
    expect(imageArchitecture('aws/codebuild/amazonlinux2-aarch64-standard:3.0')).toBe('ARM64');
    expect(imageArchitecture('aws/codebuild/standard:7.0')).toBe('X86_64');
    expect(imageArchitecture('123456789012.dkr.ecr.eu-west-3.amazonaws.com/builder:1')).toBeUndefined();
  });

  it('refuses, in config validation, a build image for the other architecture, naming the field', () => {
    const parse = (build: object, architecture: string) => () => parseConfig({ ...BASE_CONFIG, services: { architecture }, build }, 'shipline.json');
    expect(parse({ image: 'aws/codebuild/amazonlinux-aarch64-standard:3.0' }, 'X86_64')).toThrow(
      /build\.image: "aws\/codebuild\/amazonlinux-aarch64-standard:3\.0" builds ARM64 images, but services\.architecture is X86_64/,
    );
    expect(parse({ image: 'aws/codebuild/standard:7.0' }, 'ARM64')).toThrow(/build\.image: .* builds X86_64 images, but services\.architecture is ARM64/);
    // An image whose name does not say its architecture is the user's call.
    expect(parse({ image: '123456789012.dkr.ecr.eu-west-3.amazonaws.com/builder:1' }, 'X86_64')).not.toThrow();
  });

  it('config.example.json leaves build.image out, so that changing only the architecture is valid', () => {
    const example = JSON.parse(readFileSync(path.join(__dirname, '..', 'config.example.json'), 'utf8')) as { build: object; services: object };
    expect(example.build).not.toHaveProperty('image');
    const x86 = parseConfig({ ...example, services: { ...example.services, architecture: 'X86_64' } }, 'config.example.json');
    expect(x86.build.image).toBeUndefined();
  });

  it('a provision with a mismatched build.image stops before any AWS call, with the field in the message', async () => {
    h = harness({ config: { ...BASE_CONFIG, services: { architecture: 'X86_64' }, build: { image: 'aws/codebuild/amazonlinux-aarch64-standard:3.0' } } });
    const result = await h.run('provision');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('build.image');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(h.sandbox.calls).toEqual([]);
  });

  it('X86_64 services get images built on x86: the pipeline deploys them to dev and prod', async () => {
    h = harness({ config: { ...BASE_CONFIG, services: { architecture: 'X86_64' } } });
    await h.ok('provision');
    const { projects } = (await h.sandbox.dispatch('codebuild', 'BatchGetProjects', { names: ['demo-build', 'demo-mark'] })) as {
      projects: Array<{ environment: { type: string; image: string } }>;
    };
    for (const project of projects) {
      expect(project.environment).toMatchObject({ type: 'LINUX_CONTAINER', image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0' });
    }
    await h.ok('status');
    h.sandbox.connections.approveConnection(stateOf(h).resources['connection.github']!.id!);
    await h.ok('release');
    await h.ok('status');
    await h.ok('approve');
    await h.ok('status');
    const status = JSON.parse((await h.ok('status', '--json')).stdout) as { pipeline: { stages: Array<{ name: string; status: string }> } };
    expect(status.pipeline.stages.map((s) => s.status)).toEqual(['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded']);
    const built = await runningImage(h, 'dev');
    expect(built).toMatch(/^123456789012\.dkr\.ecr\.eu-west-3\.amazonaws\.com\/demo:\w+$/);
    expect(h.sandbox.ecr.imageArchitecture(built)).toBe('amd64');
    expect(await runningImage(h, 'prod')).toBe(built);
  });
});

describe('the sandbox CodeBuild, as CodeBuild', () => {
  it('refuses a curated aarch64 image on LINUX_CONTAINER (and x86 on ARM_CONTAINER) with InvalidInputException', async () => {
    h = harness();
    await h.ok('provision');
    const update = (type: string, image: string) =>
      h.sandbox.dispatch('codebuild', 'UpdateProject', { name: 'demo-build', environment: { type, image, computeType: 'BUILD_GENERAL1_SMALL' } });
    await expect(update('LINUX_CONTAINER', 'aws/codebuild/amazonlinux-aarch64-standard:3.0')).rejects.toMatchObject({
      name: 'InvalidInputException',
      message: 'AWS CodeBuild curated image aws/codebuild/amazonlinux-aarch64-standard:3.0 is not supported for projects with environment type LINUX_CONTAINER and compute type BUILD_GENERAL1_SMALL',
    });
    await expect(update('ARM_CONTAINER', 'aws/codebuild/amazonlinux-x86_64-standard:5.0')).rejects.toMatchObject({ name: 'InvalidInputException' });
  });
});

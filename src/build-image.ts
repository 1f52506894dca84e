// What CodeBuild runs a build on. An image built by `docker build` is for the build host's
// architecture, so the build's architecture must be the tasks' (`services.architecture`): by
// default CodeBuild's curated Amazon Linux 2023 image for it, on the environment type that runs it
// (a curated aarch64 image only runs on ARM_CONTAINER, the others on LINUX_CONTAINER). Names:
// https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-available.html
import type { EnvironmentType } from '@aws-sdk/client-codebuild';

export type Architecture = 'ARM64' | 'X86_64';

/** CodeBuild's curated image per architecture. */
export const CURATED_BUILD_IMAGES: Readonly<Record<Architecture, string>> = {
  ARM64: 'aws/codebuild/amazonlinux-aarch64-standard:3.0',
  X86_64: 'aws/codebuild/amazonlinux-x86_64-standard:5.0',
};

const ENVIRONMENT_TYPES: Readonly<Record<Architecture, EnvironmentType>> = {
  ARM64: 'ARM_CONTAINER',
  X86_64: 'LINUX_CONTAINER',
};

/**
 * The architecture an image's name says it is for: CodeBuild's curated names always say it
 * (aarch64, or x86 for every other `aws/codebuild/` image); another image's name may (`arm64`,
 * `amd64`, `x86_64`), else it is unknown.
 */
export function imageArchitecture(image: string): Architecture | undefined {
  if (/aarch64|arm64/i.test(image)) return 'ARM64';
  if (image.startsWith('aws/codebuild/') || /x86_64|amd64/i.test(image)) return 'X86_64';
  return undefined;
}

/** The image and environment type of a build for `architecture`: `image` when set, else the curated one. */
export function buildEnvironment(architecture: Architecture, image?: string): { type: EnvironmentType; image: string } {
  return { type: ENVIRONMENT_TYPES[architecture], image: image ?? CURATED_BUILD_IMAGES[architecture] };
}

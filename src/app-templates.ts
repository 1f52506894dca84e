// What `init-app` writes into an application repository: the buildspec the pipeline's CodeBuild
// project runs, and a minimal image for a first deploy. Pure functions of the config, so tests can
// check them against the task definitions and the load balancer's routes.
import { CONTAINER_NAME } from '../steps/services';
import type { Config } from './config';

/**
 * Logs in to ECR, builds the image, pushes it tagged with the commit and `latest`, and writes
 * imagespec.json for the pipeline's ECS deploy actions. ECR_REPOSITORY_URL and CONTAINER_NAME
 * come from the CodeBuild project's environment; the container name falls back to the same value.
 */
export function buildspec(): string {
  return `# Written by \`shipline init-app\`. The pipeline's CodeBuild project runs it on every commit.
version: 0.2

env:
  variables:
    CONTAINER_NAME: ${CONTAINER_NAME}

phases:
  pre_build:
    commands:
      - REGISTRY="\${ECR_REPOSITORY_URL%%/*}"
      - aws ecr get-login-password --region "$AWS_DEFAULT_REGION" | docker login --username AWS --password-stdin "$REGISTRY"
      - COMMIT="$(echo "$CODEBUILD_RESOLVED_SOURCE_VERSION" | cut -c 1-7)"
      - IMAGE_TAG="\${COMMIT:-latest}"
  build:
    commands:
      - docker build --tag "$ECR_REPOSITORY_URL:$IMAGE_TAG" --tag "$ECR_REPOSITORY_URL:latest" .
  post_build:
    commands:
      - docker push "$ECR_REPOSITORY_URL:$IMAGE_TAG"
      - docker push "$ECR_REPOSITORY_URL:latest"
      - printf '[{"name":"%s","imageUri":"%s"}]' "$CONTAINER_NAME" "$ECR_REPOSITORY_URL:$IMAGE_TAG" > imagespec.json

artifacts:
  files:
    - imagespec.json
`;
}

export function dockerfile(): string {
  return `# Written by \`shipline init-app\`: a minimal image to see the pipeline work. Replace it with your app's.
FROM public.ecr.aws/nginx/nginx:stable
COPY nginx.conf /etc/nginx/conf.d/default.conf
`;
}

/**
 * Answers on \`/\` and on every environment's path (the load balancer forwards \`/dev\` and \`/dev/*\`
 * unchanged), saying which route was hit; \`/\` also serves the target groups' health checks.
 */
export function nginxConfig(config: Pick<Config, 'stack' | 'environments' | 'services'>): string {
  const routes = config.environments
    .filter((env) => env.path !== undefined)
    .map(
      (env) => `  location ${env.path}/ {\n    default_type text/plain;\n    return 200 "${config.stack}: ${env.name}\\n";\n  }\n  location = ${env.path} {\n    return 301 ${env.path}/;\n  }\n`,
    )
    .join('');
  const fallback = config.environments.find((env) => env.path === undefined)?.name ?? 'default';
  return `# Written by \`shipline init-app\`.
server {
  listen ${config.services.containerPort};
${routes}  location / {
    default_type text/plain;
    return 200 "${config.stack}: ${fallback}\\n";
  }
}
`;
}

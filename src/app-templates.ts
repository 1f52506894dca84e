// What `init-app` writes into an application repository: the buildspec the pipeline's CodeBuild
// project runs, and a minimal image for a first deploy. Pure functions of the config, so tests can
// check them against the task definitions, the pipeline's deploy actions and the load balancer's
// routes.
import { CONTAINER_NAME, taskFamily } from '../steps/services';
import type { Config } from './config';

/** Rolling: what the build writes for the pipeline's ECS deploy actions. */
export const IMAGE_DEFINITIONS_FILE = 'imagespec.json';
/** Blue/green: the image the CodeDeployToECS actions put into the task definitions. */
export const IMAGE_DETAIL_FILE = 'imageDetail.json';
/** Blue/green: the AppSpec every environment's deployment uses. */
export const APPSPEC_FILE = 'appspec.yml';
/** Blue/green: each environment's task definition template (families, log groups and sizes differ). */
export const taskDefinitionFile = (env: string) => `taskdef-${env}.json`;
/**
 * Blue/green: the CodeDeployToECS action's Image1ContainerName; the templates name the image
 * `<IMAGE1_NAME>` and the action fills in the URI from imageDetail.json.
 */
export const IMAGE_PLACEHOLDER = 'IMAGE1_NAME';
/** What ecs:DescribeTaskDefinition answers that RegisterTaskDefinition refuses. */
export const READ_ONLY_TASK_DEFINITION_FIELDS = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
] as const;

type TemplateConfig = Pick<Config, 'stack' | 'environments' | 'services' | 'deploy'>;

/**
 * The buildspec for the config's strategy. Both log in to ECR, build the image and push it tagged
 * with the commit and `latest`; ECR_REPOSITORY_URL and CONTAINER_NAME come from the CodeBuild
 * project's environment (the container name falls back to the same value).
 *
 * - rolling: writes imagespec.json for the ECS deploy actions;
 * - blue-green: writes imageDetail.json, appspec.yml, and per environment taskdef-<env>.json: the
 *   environment's live task definition (the family's latest revision, which provision keeps in
 *   line with the config) with the image replaced by `<IMAGE1_NAME>` and the fields AWS refuses on
 *   register removed.
 */
export function buildspec(config: TemplateConfig): string {
  return config.deploy.strategy === 'blue-green' ? blueGreenBuildspec(config) : rollingBuildspec();
}

const HEADER = `# Written by \`shipline init-app\`. The pipeline's CodeBuild project runs it on every commit.
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
`;

function rollingBuildspec(): string {
  return `${HEADER}      - printf '[{"name":"%s","imageUri":"%s"}]' "$CONTAINER_NAME" "$ECR_REPOSITORY_URL:$IMAGE_TAG" > ${IMAGE_DEFINITIONS_FILE}

artifacts:
  files:
    - ${IMAGE_DEFINITIONS_FILE}
`;
}

function blueGreenBuildspec(config: TemplateConfig): string {
  const drop = READ_ONLY_TASK_DEFINITION_FIELDS.map((f) => `.${f}`).join(', ');
  const families = config.environments.map((env) => `${env.name}=${taskFamily(config.stack, env.name)}`).join(' ');
  return `${HEADER}      - printf '{"ImageURI":"%s"}' "$ECR_REPOSITORY_URL:$IMAGE_TAG" > ${IMAGE_DETAIL_FILE}
      # Each environment's live task definition, its image left for CodeDeployToECS to fill in.
      - |
        for PAIR in ${families}; do
          ENV="\${PAIR%%=*}"; FAMILY="\${PAIR#*=}"
          aws ecs describe-task-definition --task-definition "$FAMILY" --query taskDefinition --output json > "live-$ENV.json" || exit 1
          jq --arg c "$CONTAINER_NAME" '(.containerDefinitions[] | select(.name == $c) | .image) = "<${IMAGE_PLACEHOLDER}>" | del(${drop})' \\
            "live-$ENV.json" > "taskdef-$ENV.json" || exit 1
          rm "live-$ENV.json"
        done
      - |
        cat > ${APPSPEC_FILE} <<'EOF'
${indent(appSpecYaml(config), 8)}
        EOF

artifacts:
  files:
    - ${IMAGE_DETAIL_FILE}
    - ${APPSPEC_FILE}
${config.environments.map((env) => `    - ${taskDefinitionFile(env.name)}`).join('\n')}
`;
}

/** The AppSpec of every environment's deployment: CodeDeployToECS fills in <TASK_DEFINITION>. */
export function appSpecYaml(config: Pick<Config, 'services'>): string {
  return `version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: <TASK_DEFINITION>
        LoadBalancerInfo:
          ContainerName: ${CONTAINER_NAME}
          ContainerPort: ${config.services.containerPort}`;
}

const indent = (text: string, spaces: number) =>
  text
    .split('\n')
    .map((line) => `${' '.repeat(spaces)}${line}`)
    .join('\n');

export function dockerfile(): string {
  return `# Written by \`shipline init-app\`: a minimal image to see the pipeline work. Replace it with your app's.
FROM public.ecr.aws/nginx/nginx:stable
COPY nginx.conf /etc/nginx/conf.d/default.conf
`;
}

/**
 * Answers on \`/\` and on every environment's path (the load balancer forwards \`/dev\` and \`/dev/*\`
 * unchanged), saying which route was hit; \`/\` also serves the target groups' health checks. An
 * environment routed by host header alone gets a server of its own.
 */
export function nginxConfig(config: Pick<Config, 'stack' | 'environments' | 'services'>): string {
  const port = config.services.containerPort;
  const routes = config.environments
    .filter((env) => env.path !== undefined)
    .map(
      (env) => `  location ${env.path}/ {\n    default_type text/plain;\n    return 200 "${config.stack}: ${env.name}\\n";\n  }\n  location = ${env.path} {\n    return 301 ${env.path}/;\n  }\n`,
    )
    .join('');
  const hosts = config.environments
    .filter((env) => env.host !== undefined && env.path === undefined)
    .map(
      (env) =>
        `\nserver {\n  listen ${port};\n  server_name ${env.host};\n  location / {\n    default_type text/plain;\n    return 200 "${config.stack}: ${env.name}\\n";\n  }\n}\n`,
    )
    .join('');
  const fallback = config.environments.find((env) => env.path === undefined && env.host === undefined)?.name ?? 'default';
  return `# Written by \`shipline init-app\`.
server {
  listen ${port}${hosts ? ' default_server' : ''};
${routes}  location / {
    default_type text/plain;
    return 200 "${config.stack}: ${fallback}\\n";
  }
}
${hosts}`;
}

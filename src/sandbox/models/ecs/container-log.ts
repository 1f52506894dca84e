// What a task's container writes to its awslogs stream when it starts, as the sandbox plays it:
// nginx images (the placeholder, public.ecr.aws/nginx/nginx) print the official image's entrypoint
// lines then nginx's own notices (nginxinc/docker-nginx, entrypoint/docker-entrypoint.sh); any other
// image prints one line saying it starts, since the sandbox runs no real program. Pure: the model
// (tasks.ts) appends these events when a task reaches RUNNING.
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import type { LogEventRecord } from '../logs';

/**
 * The awslogs driver's destination for a container of a task: its group, and the stream
 * `prefix/container-name/task-id` (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html).
 * Undefined without the awslogs driver, its group or (required on Fargate) its stream prefix.
 */
export function awslogsDestination(container: ContainerDefinition, taskId: string): { group: string; stream: string } | undefined {
  const config = container.logConfiguration;
  const group = config?.options?.['awslogs-group'];
  const prefix = config?.options?.['awslogs-stream-prefix'];
  if (config?.logDriver !== 'awslogs' || !group || !prefix || !container.name) return undefined;
  return { group, stream: `${prefix}/${container.name}/${taskId}` };
}

/** The lines a container prints as it starts at `startedAtMs` (epoch milliseconds), one millisecond apart. */
export function containerStartEvents(container: ContainerDefinition, startedAtMs: number): LogEventRecord[] {
  const image = container.image ?? '';
  // The repository's last path segment, without tag or digest: `nginx` for public.ecr.aws/nginx/nginx:stable.
  const repository = image.split('/').pop()?.split(/[:@]/)[0];
  const lines = repository === 'nginx' ? nginxStartLines(startedAtMs) : [`starting ${container.name ?? 'container'} (${image})`];
  return lines.map((message, i) => ({ timestamp: startedAtMs + i, message }));
}

function nginxStartLines(atMs: number): string[] {
  const iso = new Date(atMs).toISOString();
  const stamp = `${iso.slice(0, 10).replaceAll('-', '/')} ${iso.slice(11, 19)}`;
  return [
    '/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration',
    '/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/',
    '/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh',
    '/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh',
    '/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh',
    '/docker-entrypoint.sh: Configuration complete; ready for start up',
    `${stamp} [notice] 1#1: using the "epoll" event method`,
    `${stamp} [notice] 1#1: start worker processes`,
  ];
}

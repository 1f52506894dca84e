// What an environment's service runs, read from the sandbox as a test would from AWS.
import type { Harness } from './harness';

/** The image of the first container of the task definition the environment's service runs. */
export async function runningImage(x: Harness, env: string): Promise<string> {
  const { services } = (await x.sandbox.dispatch('ecs', 'DescribeServices', { cluster: 'demo', services: [`demo-${env}`] })) as {
    services: Array<{ taskDefinition: string }>;
  };
  const { taskDefinition } = (await x.sandbox.dispatch('ecs', 'DescribeTaskDefinition', { taskDefinition: services[0]!.taskDefinition })) as {
    taskDefinition: { containerDefinitions: Array<{ image: string }> };
  };
  return taskDefinition.containerDefinitions[0]!.image;
}

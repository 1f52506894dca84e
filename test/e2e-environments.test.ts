// Three environments end to end (rolling): a deploy stage each, in config order, an approval before
// each one that asks for it, and a commit that walks through them; an environment routed by its
// host name rather than a path.
import type { PipelineDeclaration } from '@aws-sdk/client-codepipeline';
import type { Rule } from '@aws-sdk/client-elastic-load-balancing-v2';
import { KEYS as ALB } from '../steps/alb';
import { THREE_ENVIRONMENTS } from './helpers/configs';
import { harness, type Harness } from './helpers/harness';
import { stateOf } from './helpers/promises';

let h: Harness;
afterEach(() => h?.restore());

const id = (x: Harness, key: string) => stateOf(x).resources[key]!.id!;

async function runningImage(x: Harness, env: string): Promise<string> {
  const { services } = (await x.sandbox.dispatch('ecs', 'DescribeServices', { cluster: 'demo', services: [`demo-${env}`] })) as {
    services: Array<{ taskDefinition: string }>;
  };
  const { taskDefinition } = (await x.sandbox.dispatch('ecs', 'DescribeTaskDefinition', { taskDefinition: services[0]!.taskDefinition })) as {
    taskDefinition: { containerDefinitions: Array<{ image: string }> };
  };
  return taskDefinition.containerDefinitions[0]!.image;
}

interface Status {
  approval?: { stage: string; action: string };
  pipeline: { stages: Array<{ name: string; status: string }> };
}
const statusOf = async (x: Harness) => JSON.parse((await x.ok('status', '--json')).stdout) as Status;

describe('three environments', () => {
  it('the pipeline has a deploy stage per environment, in order, with an approval before staging and prod', async () => {
    h = harness({ config: THREE_ENVIRONMENTS });
    await h.ok('provision');
    const { pipeline } = (await h.sandbox.dispatch('codepipeline', 'GetPipeline', { name: 'demo-pipeline' })) as { pipeline: PipelineDeclaration };
    expect(pipeline.stages!.map((s) => [s.name, s.actions!.map((a) => `${a.name}@${a.runOrder}`)])).toEqual([
      ['Source', ['Source@1']],
      ['Build', ['Build@1']],
      ['Deploy-dev', ['Deploy-dev@1', 'Tag-live-dev@2']],
      ['Deploy-staging', ['Approve-staging@1', 'Tag-next-staging@1', 'Deploy-staging@2', 'Tag-live-staging@3']],
      ['Deploy-prod', ['Approve-prod@1', 'Tag-next-prod@1', 'Deploy-prod@2', 'Tag-live-prod@3']],
    ]);
  });

  it('a commit reaches dev, then staging once approved, then prod once approved again', async () => {
    h = harness({ config: THREE_ENVIRONMENTS });
    await h.ok('provision');
    await h.ok('status'); // the run started with the pipeline fails at Source: the connection is pending
    h.sandbox.connections.approveConnection(id(h, 'connection.github'));
    await h.ok('release');
    const placeholder = 'public.ecr.aws/nginx/nginx:stable';

    const first = await statusOf(h);
    expect(first.approval).toMatchObject({ stage: 'Deploy-staging', action: 'Approve-staging' });
    const built = await runningImage(h, 'dev');
    expect(built).not.toBe(placeholder);
    expect([await runningImage(h, 'staging'), await runningImage(h, 'prod')]).toEqual([placeholder, placeholder]);

    await h.ok('approve');
    const second = await statusOf(h);
    expect(second.approval).toMatchObject({ stage: 'Deploy-prod', action: 'Approve-prod' });
    expect(await runningImage(h, 'staging')).toBe(built);
    expect(await runningImage(h, 'prod')).toBe(placeholder);

    await h.ok('approve');
    const done = await statusOf(h);
    expect(done.approval).toBeUndefined();
    expect(done.pipeline.stages.map((s) => s.status)).toEqual(['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded', 'Succeeded']);
    expect(await runningImage(h, 'prod')).toBe(built);

    const before = h.sandbox.mutatingCalls().length;
    await h.ok('provision');
    expect(h.sandbox.mutatingCalls().slice(before)).toEqual([]);
  });

  it('routes staging by its host name, and says so in the outputs', async () => {
    h = harness({ config: THREE_ENVIRONMENTS });
    const result = await h.ok('provision');
    const { Rules } = (await h.sandbox.dispatch('elbv2', 'DescribeRules', { RuleArns: [id(h, ALB.rule('staging'))] })) as { Rules: Rule[] };
    expect(Rules[0]!.Conditions!.map((c) => [c.Field, c.Values])).toEqual([['host-header', ['staging.example.com']]]);
    expect(result.stdout).toMatch(/staging URL\s+http:\/\/staging\.example\.com\/\n/);
  });
});

// Guarantee 4: eventual consistency. AWS answers for a while as if a new role did not exist yet,
// or as if a resource it just created were not there; provision still succeeds, and never creates
// anything twice. Refusals are injected with fault hooks; reads that miss a new resource with the
// sandbox's `hideNewFor`.
import { BASE_CONFIG, harness, shape, type Harness } from './helpers/harness';

let h: Harness | undefined;
afterEach(() => h?.restore());

/** The mutating calls that succeeded, by operation, sorted: what a run made and changed. */
const madeBy = (x: Harness) =>
  x.sandbox
    .calls.filter((c) => c.mutating && c.error === undefined)
    .map((c) => c.operation)
    .sort();

async function reference(config: unknown = BASE_CONFIG): Promise<{ inventory: string[]; made: string[] }> {
  const clean = harness({ config });
  await clean.ok('provision');
  clean.restore();
  return { inventory: shape(clean.sandbox), made: madeBy(clean) };
}

/** A hook that refuses the first `times` calls with `error`, and counts them. */
function refuseFirst(times: number, error: () => Error): { hook: () => void; refused: () => number } {
  let refused = 0;
  return {
    hook: () => {
      if (refused >= times) return;
      refused += 1;
      throw error();
    },
    refused: () => refused,
  };
}

const awsRefusal = (name: string, message: string) => Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400 } });

// CodeBuild (CreateProject) and CodePipeline (CreatePipeline) refusing a new role: e2e-delivery.

describe('a new IAM role that AWS does not let a service assume yet', () => {
  it('ECS: CreateService refused while a new role propagates, then one service per environment', async () => {
    const { inventory, made } = await reference();
    h = harness();
    const refusal = refuseFirst(3, () =>
      awsRefusal('InvalidParameterException', 'Unable to assume the service linked role. Please verify that the ECS service linked role exists.'),
    );
    h.sandbox.faults.on('CreateService', refusal.hook);
    await h.ok('provision');
    expect(refusal.refused()).toBe(3);
    expect(shape(h.sandbox)).toEqual(inventory);
    expect(madeBy(h)).toEqual(made);
  });

  it('CodeDeploy: CreateDeploymentGroup refused for the first calls, then one deployment group per environment', async () => {
    const config = { ...BASE_CONFIG, deploy: { strategy: 'blue-green' } };
    const { inventory, made } = await reference(config);
    h = harness({ config });
    const refusal = refuseFirst(3, () =>
      awsRefusal('InvalidRoleException', 'AWS CodeDeploy does not have the permissions required to assume the role arn:aws:iam::123456789012:role/shipline/demo-codedeploy.'),
    );
    h.sandbox.faults.on('CreateDeploymentGroup', refusal.hook);
    await h.ok('provision');
    expect(refusal.refused()).toBe(3);
    expect(shape(h.sandbox)).toEqual(inventory);
    expect(madeBy(h)).toEqual(made);
  });
});

describe('a resource that reads do not show yet right after its creation', () => {
  it('the NAT instance: DescribeInstances answers InvalidInstanceID.NotFound for a while', async () => {
    const { inventory, made } = await reference();
    h = harness();
    h.sandbox.faults.hideNewFor({
      create: 'RunInstances',
      ids: (out) => (out.Instances as Array<{ InstanceId: string }>).map((i) => i.InstanceId),
      describe: 'DescribeInstances',
      reads: 3,
      notFound: 'InvalidInstanceID.NotFound',
    });
    await h.ok('provision');
    const reads = h.sandbox.calls.filter((c) => c.operation === 'DescribeInstances');
    expect(reads.filter((c) => c.error === 'InvalidInstanceID.NotFound')).toHaveLength(3);
    expect(shape(h.sandbox)).toEqual(inventory);
    expect(madeBy(h)).toEqual(made);
  });

  it('the load balancer: DescribeLoadBalancers answers LoadBalancerNotFound for a while', async () => {
    const { inventory, made } = await reference();
    h = harness();
    h.sandbox.faults.hideNewFor({
      create: 'CreateLoadBalancer',
      ids: (out) => (out.LoadBalancers as Array<{ LoadBalancerArn: string }>).map((lb) => lb.LoadBalancerArn),
      describe: 'DescribeLoadBalancers',
      reads: 3,
      notFound: 'LoadBalancerNotFoundException',
    });
    await h.ok('provision');
    expect(h.sandbox.calls.filter((c) => c.error === 'LoadBalancerNotFoundException').length).toBeGreaterThanOrEqual(3);
    expect(shape(h.sandbox)).toEqual(inventory);
    expect(madeBy(h)).toEqual(made);
  });

  it('the NAT gateway: DescribeNatGateways answers NatGatewayNotFound for a while', async () => {
    const config = { ...BASE_CONFIG, nat: { mode: 'nat-gateway' } };
    const { inventory, made } = await reference(config);
    h = harness({ config });
    h.sandbox.faults.hideNewFor({
      create: 'CreateNatGateway',
      ids: (out) => [(out.NatGateway as { NatGatewayId: string }).NatGatewayId],
      describe: 'DescribeNatGateways',
      reads: 3,
      notFound: 'NatGatewayNotFound',
    });
    await h.ok('provision');
    expect(h.sandbox.calls.filter((c) => c.error === 'NatGatewayNotFound')).toHaveLength(3);
    expect(shape(h.sandbox)).toEqual(inventory);
    expect(madeBy(h)).toEqual(made);
  });

  it('the ECS services: DescribeServices reports them MISSING for two reads after CreateService', async () => {
    const { inventory, made } = await reference();
    h = harness();
    h.sandbox.faults.hideNewFor({
      create: 'CreateService',
      ids: (out) => {
        const service = out.service as { serviceArn: string; serviceName: string };
        return [service.serviceArn, service.serviceName];
      },
      describe: 'DescribeServices',
      reads: 2,
      absent: (out, id) => {
        if (!id.startsWith('arn:')) return;
        out.failures = [...((out.failures as unknown[] | undefined) ?? []), { arn: id, reason: 'MISSING' }];
      },
    });
    await h.ok('provision');
    expect(shape(h.sandbox)).toEqual(inventory);
    expect(madeBy(h)).toEqual(made);
  });

  it('the artifact bucket: the first configuration call after CreateBucket answers NoSuchBucket', async () => {
    const { inventory, made } = await reference();
    h = harness();
    const refusal = refuseFirst(2, () => awsRefusal('NoSuchBucket', 'The specified bucket does not exist'));
    h.sandbox.faults.on('PutBucketTagging', refusal.hook);
    await h.ok('provision');
    expect(refusal.refused()).toBe(2);
    expect(shape(h.sandbox)).toEqual(inventory);
    expect(madeBy(h)).toEqual(made);
  });
});

describe('the sandbox\'s hideNewFor (what the tests above rely on)', () => {
  it('hides a new resource from the next reads that would show it, by ID (AWS\'s NotFound) or in a listing, then shows it', async () => {
    h = harness();
    const sandbox = h.sandbox;
    sandbox.faults.hideNewFor({
      create: 'CreateVpc',
      ids: (out) => [(out.Vpc as { VpcId: string }).VpcId],
      describe: 'DescribeVpcs',
      reads: 2,
      notFound: 'InvalidVpcID.NotFound',
    });
    const { Vpc } = (await sandbox.dispatch('ec2', 'CreateVpc', { CidrBlock: '10.0.0.0/16' })) as { Vpc: { VpcId: string } };
    const listed = async () => ((await sandbox.dispatch('ec2', 'DescribeVpcs', {})) as { Vpcs: Array<{ VpcId: string }> }).Vpcs.map((v) => v.VpcId);
    expect(await listed()).toEqual([]);
    await expect(sandbox.dispatch('ec2', 'DescribeVpcs', { VpcIds: [Vpc.VpcId] })).rejects.toMatchObject({ name: 'InvalidVpcID.NotFound' });
    expect(await listed()).toEqual([Vpc.VpcId]);
    // A resource made earlier, or by another call, is not hidden.
    sandbox.faults.clear();
    expect(await listed()).toEqual([Vpc.VpcId]);
  });
});

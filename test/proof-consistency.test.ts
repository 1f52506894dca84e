// Guarantee 4: eventual consistency. AWS answers for a while as if a new role did not exist yet,
// or as if a resource it just created were not there; provision still succeeds, and never creates
// anything twice. Refusals are injected with fault hooks; reads that miss a new resource with the
// sandbox's `hideNewFor`; EC2 calls that name a new resource by its ID with `hideNewEc2`.
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

describe('EC2: the calls made right after a create wait out the new resource\'s NotFound', () => {
  // Each call site on its own: its first two calls are refused as AWS refuses a call that names a
  // resource it does not show yet. Without the retry at that call, the provision fails.
  const config = BASE_CONFIG;
  it.each([
    ['ModifyVpcAttribute', 'InvalidVpcID.NotFound'],
    ['ModifySubnetAttribute', 'InvalidSubnetID.NotFound'],
    ['AttachInternetGateway', 'InvalidInternetGatewayID.NotFound'],
    ['AttachInternetGateway', 'InvalidVpcID.NotFound'],
    ['CreateRoute', 'InvalidRouteTableID.NotFound'],
    ['CreateRoute', 'InvalidGatewayID.NotFound'],
    ['CreateRoute', 'InvalidNetworkInterfaceID.NotFound'],
    ['AssociateRouteTable', 'InvalidRouteTableID.NotFound'],
    ['AssociateRouteTable', 'InvalidSubnetID.NotFound'],
    ['AuthorizeSecurityGroupIngress', 'InvalidGroup.NotFound'],
    ['AuthorizeSecurityGroupEgress', 'InvalidGroup.NotFound'],
    ['RevokeSecurityGroupEgress', 'InvalidGroup.NotFound'],
    ['ModifyInstanceAttribute', 'InvalidInstanceID.NotFound'],
  ])('%s answered %s twice, then the same inventory, each thing made once', async (operation, code) => {
    const { inventory, made } = await reference(config);
    h = harness({ config });
    const refusal = refuseFirst(2, () => awsRefusal(code, `The ID 'x-0' does not exist`));
    h.sandbox.faults.on(operation, refusal.hook);
    await h.ok('provision');
    expect(refusal.refused()).toBe(2);
    expect(shape(h.sandbox)).toEqual(inventory);
    expect(madeBy(h)).toEqual(made);
  });

  it('with every new EC2 resource hidden from the next calls naming it (the sandbox\'s hideNewEc2), provision converges', async () => {
    const { inventory, made } = await reference();
    h = harness();
    h.sandbox.faults.hideNewEc2(3);
    await h.ok('provision');
    const refused = new Set(h.sandbox.calls.filter((c) => c.error?.endsWith('.NotFound') && c.service === 'ec2').map((c) => c.operation));
    expect([...refused].sort()).toEqual(
      ['AssociateRouteTable', 'AttachInternetGateway', 'AuthorizeSecurityGroupIngress', 'CreateRoute', 'ModifyInstanceAttribute', 'ModifySubnetAttribute', 'ModifyVpcAttribute'].sort(),
    );
    expect(shape(h.sandbox)).toEqual(inventory);
    expect(madeBy(h)).toEqual(made);
  });

  it('a NAT instance made again: ReplaceRoute waits out its new interface\'s NotFound', async () => {
    h = harness();
    await h.ok('provision');
    const old = h.sandbox.inventory().find((i) => i.type === 'instance')!.id;
    await h.sandbox.dispatch('ec2', 'TerminateInstances', { InstanceIds: [old] });
    await h.sandbox.dispatch('ec2', 'DescribeInstances', { InstanceIds: [old] });
    h.sandbox.faults.hideNewEc2(3);
    await h.ok('provision');
    const replaces = h.sandbox.calls.filter((c) => c.operation === 'ReplaceRoute');
    expect(replaces.map((c) => c.error ?? 'ok')).toEqual(['InvalidNetworkInterfaceID.NotFound', 'InvalidNetworkInterfaceID.NotFound', 'InvalidNetworkInterfaceID.NotFound', 'ok']);
  });

  it('a crash right after CreateVpc, then a re-run while the VPC is still hidden: adopted, not made twice', async () => {
    const clean = harness();
    clean.sandbox.faults.hideNewEc2(3);
    await clean.ok('provision');
    clean.restore();
    const inventory = shape(clean.sandbox);
    const createVpc = 1 + clean.sandbox.mutatingCalls().findIndex((c) => c.operation === 'CreateVpc');
    h = harness();
    h.sandbox.faults.hideNewEc2(3).crashAfterMutation(createVpc);
    const crashed = await h.run('provision');
    expect(crashed.code).toBe(1);
    expect(h.sandbox.calls.filter((c) => c.mutating).map((c) => c.operation)).toContain('CreateVpc');
    await h.ok('provision');
    // The adopted VPC's attributes were read through its NotFound answers.
    expect(h.sandbox.calls.filter((c) => c.operation === 'DescribeVpcAttribute' && c.error === 'InvalidVpcID.NotFound').length).toBeGreaterThan(0);
    expect(shape(h.sandbox)).toEqual(inventory);
  });

  it('a NotFound that outlasts the bound is reported, naming the call and the code', async () => {
    h = harness();
    h.setWaits({ minDelay: 0.001, maxDelay: 0.002, timeoutScale: 0.00005 });
    h.sandbox.faults.on('ModifyVpcAttribute', () => {
      throw awsRefusal('InvalidVpcID.NotFound', "The vpc ID 'vpc-0' does not exist");
    });
    const failed = await h.run('provision');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('gave up waiting for ModifyVpcAttribute on VPC');
    expect(failed.stderr).toContain("InvalidVpcID.NotFound: The vpc ID 'vpc-0' does not exist");
    expect(failed.stderr).not.toMatch(/\n\s+at /);
  });

  it('a refusal that is not a new resource\'s NotFound is not retried', async () => {
    h = harness();
    const refusal = refuseFirst(5, () => awsRefusal('InvalidParameterValue', 'Invalid value for EnableDnsHostnames'));
    h.sandbox.faults.on('ModifyVpcAttribute', refusal.hook);
    const failed = await h.run('provision');
    expect(failed.code).toBe(1);
    expect(refusal.refused()).toBe(1);
    expect(failed.stderr).toContain('InvalidParameterValue');
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

describe('the sandbox\'s hideNewEc2 (EC2\'s eventual consistency, on in the crash suites)', () => {
  it('refuses the next N calls that modify or describe a new resource by its ID with its NotFound code, changing nothing', async () => {
    h = harness();
    const sandbox = h.sandbox;
    sandbox.faults.hideNewEc2(2);
    const call = (operation: string, input: object) => sandbox.dispatch('ec2', operation, input);
    const { Vpc } = (await call('CreateVpc', { CidrBlock: '10.0.0.0/16' })) as { Vpc: { VpcId: string } };
    // A create that only names it as a parent is not refused, nor a listing by filter.
    const { Subnet } = (await call('CreateSubnet', { VpcId: Vpc.VpcId, CidrBlock: '10.0.0.0/24', AvailabilityZone: 'eu-west-3a' })) as { Subnet: { SubnetId: string } };
    const listed = (await call('DescribeVpcs', { Filters: [{ Name: 'vpc-id', Values: [Vpc.VpcId] }] })) as { Vpcs: unknown[] };
    expect(listed.Vpcs).toHaveLength(1);
    const dns = { VpcId: Vpc.VpcId, EnableDnsHostnames: { Value: true } };
    await expect(call('ModifyVpcAttribute', dns)).rejects.toMatchObject({ name: 'InvalidVpcID.NotFound', message: `The vpc ID '${Vpc.VpcId}' does not exist` });
    await expect(call('DescribeVpcs', { VpcIds: [Vpc.VpcId] })).rejects.toMatchObject({ name: 'InvalidVpcID.NotFound' });
    const before = (await call('DescribeVpcAttribute', { VpcId: Vpc.VpcId, Attribute: 'enableDnsHostnames' })) as { EnableDnsHostnames: { Value: boolean } };
    expect(before.EnableDnsHostnames.Value).toBe(false);
    await call('ModifyVpcAttribute', dns);
    // Each new resource has its own count, and its own code (an internet gateway as a route target: InvalidGatewayID).
    await expect(call('ModifySubnetAttribute', { SubnetId: Subnet.SubnetId, MapPublicIpOnLaunch: { Value: true } })).rejects.toMatchObject({
      name: 'InvalidSubnetID.NotFound',
    });
    const { InternetGateway } = (await call('CreateInternetGateway', {})) as { InternetGateway: { InternetGatewayId: string } };
    const { RouteTable } = (await call('CreateRouteTable', { VpcId: Vpc.VpcId })) as { RouteTable: { RouteTableId: string } };
    await expect(call('AttachInternetGateway', { InternetGatewayId: InternetGateway.InternetGatewayId, VpcId: Vpc.VpcId })).rejects.toMatchObject({
      name: 'InvalidInternetGatewayID.NotFound',
    });
    await call('AttachInternetGateway', { InternetGatewayId: InternetGateway.InternetGatewayId, VpcId: Vpc.VpcId }).catch(() => undefined);
    await expect(call('CreateRoute', { RouteTableId: RouteTable.RouteTableId, DestinationCidrBlock: '0.0.0.0/0', GatewayId: InternetGateway.InternetGatewayId })).rejects.toMatchObject({
      name: 'InvalidRouteTableID.NotFound',
    });
    // A delete is never answered NotFound for a resource that exists (it would pass for "already gone").
    await call('DeleteSubnet', { SubnetId: Subnet.SubnetId });
    expect(sandbox.inventory().filter((i) => i.type === 'subnet')).toEqual([]);
  });

  it('with `listings`, also leaves a new resource out of the describes that list by filter, for the same count', async () => {
    h = harness();
    const sandbox = h.sandbox;
    sandbox.faults.hideNewEc2(2, { listings: true });
    const call = (operation: string, input: object) => sandbox.dispatch('ec2', operation, input);
    const tags = [{ ResourceType: 'vpc', Tags: [{ Key: 'shipline:stack', Value: 'demo' }] }];
    const { Vpc } = (await call('CreateVpc', { CidrBlock: '10.0.0.0/16', TagSpecifications: tags })) as { Vpc: { VpcId: string } };
    const byTag = { Filters: [{ Name: 'tag:shipline:stack', Values: ['demo'] }] };
    const listed = async () => ((await call('DescribeVpcs', byTag)) as { Vpcs: Array<{ VpcId: string }> }).Vpcs.map((v) => v.VpcId);
    expect(await listed()).toEqual([]);
    await expect(call('DescribeVpcs', { VpcIds: [Vpc.VpcId] })).rejects.toMatchObject({ name: 'InvalidVpcID.NotFound' });
    expect(await listed()).toEqual([Vpc.VpcId]);
  });

  it('with `listings`, a new instance\'s reservation is not listed while its only instance is hidden', async () => {
    h = harness();
    await h.ok('provision');
    const sandbox = h.sandbox;
    const listed = async () =>
      ((await sandbox.dispatch('ec2', 'DescribeInstances', {})) as { Reservations: Array<{ Instances: Array<{ InstanceId: string }> }> }).Reservations.map((r) =>
        r.Instances.map((i) => i.InstanceId),
      );
    const before = await listed();
    expect(before).toHaveLength(1);
    sandbox.faults.hideNewEc2(1, { listings: true });
    const subnet = sandbox.inventory().find((i) => i.type === 'subnet')!.id;
    const image = ((await sandbox.dispatch('ec2', 'DescribeImages', { Owners: ['568608671756'] })) as { Images: Array<{ ImageId: string; Architecture: string }> }).Images.find((i) => i.Architecture === 'arm64')!;
    const { Instances } = (await sandbox.dispatch('ec2', 'RunInstances', { ImageId: image.ImageId, InstanceType: 't4g.nano', MinCount: 1, MaxCount: 1, SubnetId: subnet })) as {
      Instances: Array<{ InstanceId: string }>;
    };
    expect(await listed()).toEqual(before);
    expect(await listed()).toEqual([...before, [Instances[0]!.InstanceId]]);
  });

  it('hides a new instance and its network interface', async () => {
    h = harness();
    await h.ok('provision');
    const sandbox = h.sandbox;
    sandbox.faults.hideNewEc2(1);
    const subnet = sandbox.inventory().find((i) => i.type === 'subnet')!.id;
    const image = ((await sandbox.dispatch('ec2', 'DescribeImages', { Owners: ['568608671756'] })) as { Images: Array<{ ImageId: string; Architecture: string }> }).Images.find((i) => i.Architecture === 'arm64')!;
    const { Instances } = (await sandbox.dispatch('ec2', 'RunInstances', { ImageId: image.ImageId, InstanceType: 't4g.nano', MinCount: 1, MaxCount: 1, SubnetId: subnet })) as {
      Instances: Array<{ InstanceId: string; NetworkInterfaces: Array<{ NetworkInterfaceId: string }> }>;
    };
    const instance = Instances[0]!;
    await expect(sandbox.dispatch('ec2', 'DescribeInstances', { InstanceIds: [instance.InstanceId] })).rejects.toMatchObject({ name: 'InvalidInstanceID.NotFound' });
    await expect(
      sandbox.dispatch('ec2', 'DescribeNetworkInterfaces', { NetworkInterfaceIds: [instance.NetworkInterfaces[0]!.NetworkInterfaceId] }),
    ).rejects.toMatchObject({ name: 'InvalidNetworkInterfaceID.NotFound' });
    await expect(sandbox.dispatch('ec2', 'DescribeInstances', { InstanceIds: [instance.InstanceId] })).resolves.toMatchObject({ Reservations: [expect.anything()] });
  });
});

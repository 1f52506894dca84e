// The checks an imported VPC gets before any change (issue 14): each failure names the subnet and
// the missing piece, exits as a config error, and leaves AWS untouched; `plan` finds the same.
import type { ConfigInput } from '../src/config';
import { BASE_CONFIG, harness, type Harness } from './helpers/harness';
import { importing, seedCompanyVpc, type CompanyVpc, type WayOut } from './helpers/company-vpc';

let h: Harness | undefined;
afterEach(() => h?.restore());

type Setup = (x: Harness, vpc: CompanyVpc) => Promise<Partial<ConfigInput> | void>;

async function refused(way: WayOut, setup: Setup, command: 'provision' | 'plan' = 'provision') {
  const x = harness();
  h = x;
  const vpc = await seedCompanyVpc(x.sandbox, way);
  const extra = (await setup(x, vpc)) ?? {};
  x.writeConfig({ ...BASE_CONFIG, ...importing(vpc), ...extra });
  const seeded = x.sandbox.mutatingCalls().length;
  const result = await x.run(command);
  expect(x.sandbox.mutatingCalls().length).toBe(seeded); // before any change
  expect(result.code).toBe(2);
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  return { stderr: result.stderr, vpc };
}

const ec2 = (x: Harness, operation: string, input: unknown) => x.sandbox.dispatch('ec2', operation, input);

describe('an imported VPC is checked before any change', () => {
  it('a subnet that does not exist, and one of another VPC', async () => {
    let other = '';
    const { stderr, vpc } = await refused('nat-gateway', async (x, v) => {
      const elsewhere = ((await ec2(x, 'CreateVpc', { CidrBlock: '10.30.0.0/16' })).Vpc as { VpcId: string }).VpcId;
      other = ((await ec2(x, 'CreateSubnet', { VpcId: elsewhere, CidrBlock: '10.30.0.0/24', AvailabilityZone: 'eu-west-3b' })).Subnet as { SubnetId: string }).SubnetId;
      return { network: { vpcId: v.vpcId, publicSubnetIds: [v.publicSubnetIds[0]!, other], privateSubnetIds: [v.privateSubnetIds[0]!, 'subnet-0123456789abcdef0'] } };
    });
    expect(stderr).toContain(`public subnet ${other} (network.publicSubnetIds[1]): belongs to vpc-`);
    expect(stderr).toContain(`not to network.vpcId ${vpc.vpcId}`);
    expect(stderr).toContain('private subnet subnet-0123456789abcdef0 (network.privateSubnetIds[1]): does not exist in eu-west-3');
  });

  it('a VPC that does not exist', async () => {
    const { stderr } = await refused('nat-gateway', async (_x, v) => ({ network: { ...importing(v).network, vpcId: 'vpc-0123456789abcdef0' } }));
    expect(stderr).toContain('network.vpcId: VPC vpc-0123456789abcdef0 does not exist in eu-west-3');
  });

  it('private subnets all in one availability zone', async () => {
    let third = '';
    const { stderr } = await refused('nat-gateway', async (x, v) => {
      third = ((await ec2(x, 'CreateSubnet', { VpcId: v.vpcId, CidrBlock: '10.20.12.0/24', AvailabilityZone: 'eu-west-3a' })).Subnet as { SubnetId: string }).SubnetId;
      return { network: { ...importing(v).network, privateSubnetIds: [v.privateSubnetIds[0]!, third] } };
    });
    expect(stderr).toMatch(new RegExp(`network.privateSubnetIds: subnet-\\w+, ${third} are all in eu-west-3a; .* at least two availability zones`));
  });

  it('public subnets without a route to an internet gateway (their own table), and one whose gateway is detached', async () => {
    const { stderr, vpc } = await refused('none', async (x, v) => {
      await ec2(x, 'DeleteRoute', { RouteTableId: v.publicTableId, DestinationCidrBlock: '0.0.0.0/0' });
    });
    expect(stderr).toContain(`public subnet ${vpc.publicSubnetIds[0]} (network.publicSubnetIds[0]): its route table ${vpc.publicTableId} has no route 0.0.0.0/0 to an internet gateway`);
    const detached = await refused('endpoints', async (x, v) => {
      await ec2(x, 'DetachInternetGateway', { InternetGatewayId: v.internetGatewayId, VpcId: v.vpcId });
      return { services: { placeholderImage: '123456789012.dkr.ecr.eu-west-3.amazonaws.com/base:1' } };
    });
    expect(detached.stderr).toContain(`routes 0.0.0.0/0 to ${detached.vpc.internetGatewayId}, but the route is blackhole`);
  });

  it('private subnets with no way out: the main table they fall back to has no default route, and no endpoints', async () => {
    const { stderr, vpc } = await refused('none', async () => undefined);
    expect(stderr).toContain(`private subnet ${vpc.privateSubnetIds[1]} (network.privateSubnetIds[1]): no way out: its route table ${vpc.mainTableId} (the VPC's main table: the subnet has no table of its own) has no route 0.0.0.0/0`);
    for (const service of ['ecr.api', 'ecr.dkr', 's3', 'logs']) expect(stderr).toContain(`com.amazonaws.eu-west-3.${service}`);
  });

  it('private subnets routed to the internet gateway: tasks there get no public IP', async () => {
    const { stderr, vpc } = await refused('none', async (x, v) => {
      await ec2(x, 'CreateRoute', { RouteTableId: v.mainTableId, DestinationCidrBlock: '0.0.0.0/0', GatewayId: v.internetGatewayId });
    });
    expect(stderr).toContain(`routes 0.0.0.0/0 to internet gateway ${vpc.internetGatewayId}, which tasks without a public IP cannot use`);
  });

  it('endpoints only: the endpoints secrets and ECS Exec need, and a placeholder image from outside the account\'s ECR', async () => {
    const { stderr, vpc } = await refused('endpoints', async () => ({
      services: { secrets: { DB_PASSWORD: '/demo/db-password', API_KEY: 'arn:aws:secretsmanager:eu-west-3:123456789012:secret:demo/api-AbCdEf' }, exec: true },
    }));
    expect(stderr).toContain(`private subnet ${vpc.privateSubnetIds[0]}`);
    expect(stderr).toMatch(/lacks the endpoints the tasks would need instead: com\.amazonaws\.eu-west-3\.ssm \(interface\), com\.amazonaws\.eu-west-3\.secretsmanager \(interface\), com\.amazonaws\.eu-west-3\.ssmmessages \(interface\)/);
    const image = await refused('endpoints', async () => undefined);
    expect(image.stderr).toContain('services.placeholderImage public.ecr.aws/nginx/nginx:stable is not in this account\'s ECR');
  });

  it('a stack whose state records a VPC shipline made is refused: it cannot move into another VPC, nor destroy leave its own', async () => {
    const x = harness();
    h = x;
    await x.ok('provision');
    const vpc = await seedCompanyVpc(x.sandbox, 'nat-gateway');
    x.writeConfig({ ...BASE_CONFIG, ...importing(vpc) });
    const before = x.sandbox.mutatingCalls().length;
    for (const command of [['provision'], ['destroy', '--yes']]) {
      const result = await x.run(...command);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`network.vpcId is ${vpc.vpcId}, but the state records the VPC vpc-\\w+ shipline made for this stack`));
    }
    expect(x.sandbox.mutatingCalls().length).toBe(before);
  });

  it('a stack that lives in an imported VPC is refused a config without it (a VPC tagged like the stack\'s is never adopted as its own)', async () => {
    const x = harness();
    h = x;
    const vpc = await seedCompanyVpc(x.sandbox, 'nat-gateway');
    await x.sandbox.dispatch('ec2', 'CreateTags', { Resources: [vpc.vpcId], Tags: [{ Key: 'shipline:stack', Value: 'demo' }] });
    x.writeConfig({ ...BASE_CONFIG, ...importing(vpc) });
    await x.ok('provision');
    x.writeConfig(BASE_CONFIG);
    const before = x.sandbox.mutatingCalls().length;
    for (const command of [['provision'], ['plan'], ['destroy', '--yes']]) {
      const result = await x.run(...command);
      expect({ command, code: result.code }).toEqual({ command, code: 2 });
      expect(result.stderr).toContain(`the stack lives in the imported VPC ${vpc.vpcId} (the state says so), but network.vpcId is not set`);
    }
    expect(x.sandbox.mutatingCalls().length).toBe(before);
  });

  it('plan reports the same findings as errors', async () => {
    const { stderr, vpc } = await refused('none', async () => undefined, 'plan');
    expect(stderr).toContain(`private subnet ${vpc.privateSubnetIds[0]} (network.privateSubnetIds[0]): no way out`);
  });
});

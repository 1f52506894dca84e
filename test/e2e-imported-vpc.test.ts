// An imported VPC end to end (issue 14): the stack goes into a company's own network, which shipline
// reads and never changes. One provision per test, on a "company VPC" seeded without shipline's tags.
import { rmSync } from 'node:fs';
import { parseConfig } from '../src/config';
import { stackDiagram } from '../src/diagram';
import { requiredPolicy } from '../src/permissions';
import { Sandbox } from '../src/sandbox/sandbox';
import { STACK_TAG } from '../src/tags';
import { BASE_CONFIG, harness, type Harness } from './helpers/harness';
import { describeNetwork, importing, seedCompanyVpc, type CompanyVpc } from './helpers/company-vpc';
import { EC2_HIDDEN_CALLS, stateOf } from './helpers/promises';

let h: Harness | undefined;
afterEach(() => h?.restore());

const mutations = (x: Harness, from = 0) => x.sandbox.mutatingCalls().slice(from).map((c) => c.operation);
/** Everything the stack owns (the company's network aside), as comparable rows. */
const stackShape = (x: Harness) =>
  x.sandbox
    .inventory()
    .filter((i) => i.tags[STACK_TAG] === 'demo' || (['route', 'role-policy-attachment', 'role-policy'].includes(i.type) && !i.key?.startsWith('company')))
    .map((i) => `${i.service}/${i.type}/${i.key ?? '?'}`)
    .sort();

async function companyStack(way: 'nat-gateway' | 'endpoints' = 'nat-gateway'): Promise<{ x: Harness; vpc: CompanyVpc; before: string }> {
  const x = harness();
  const vpc = await seedCompanyVpc(x.sandbox, way);
  x.writeConfig({ ...BASE_CONFIG, ...importing(vpc) });
  x.sandbox.faults.hideNewEc2(EC2_HIDDEN_CALLS);
  return { x, vpc, before: await describeNetwork(x.sandbox, vpc.vpcId) };
}

const NETWORK_MUTATIONS = /^(CreateVpc|CreateSubnet|CreateInternetGateway|AttachInternetGateway|CreateRouteTable|AssociateRouteTable|CreateRoute|ReplaceRoute|DeleteRoute|Disassociate|ModifyVpc|ModifySubnet|DeleteSubnet|DeleteVpc|RunInstances|CreateNatGateway|AllocateAddress|CreateTags|DeleteTags)/;

describe('a stack in an imported VPC', () => {
  it('provisions into it changing none of it, a second provision changes nothing, destroy leaves it exactly as it was', async () => {
    const { x, vpc, before } = await companyStack();
    h = x;
    const seeded = x.sandbox.mutatingCalls().length;
    const first = await x.ok('provision');
    const made = mutations(x, seeded);
    expect(made.filter((op) => NETWORK_MUTATIONS.test(op))).toEqual([]);
    // The pieces went into the user's VPC and subnets.
    const lb = x.sandbox.mutatingCalls().find((c) => c.operation === 'CreateLoadBalancer')!.input as { Subnets: string[] };
    expect(lb.Subnets).toEqual(vpc.publicSubnetIds);
    const groups = x.sandbox.mutatingCalls().filter((c) => c.operation === 'CreateSecurityGroup').map((c) => (c.input as { VpcId: string }).VpcId);
    expect(new Set(groups)).toEqual(new Set([vpc.vpcId]));
    const services = x.sandbox.mutatingCalls().filter((c) => c.operation === 'CreateService');
    for (const s of services) {
      expect((s.input as { networkConfiguration: { awsvpcConfiguration: { subnets: string[] } } }).networkConfiguration.awsvpcConfiguration.subnets).toEqual(vpc.privateSubnetIds);
    }
    const egress = x.sandbox.mutatingCalls().filter((c) => c.operation === 'AuthorizeSecurityGroupEgress').flatMap((c) => JSON.stringify(c.input));
    expect(egress.join()).toContain('10.20.0.0/16');
    // outputs show the VPC and subnets as imported; the state records nothing of them.
    expect(first.stdout).toMatch(new RegExp(`^VPC \\(imported\\)\\s+${vpc.vpcId}$`, 'm'));
    expect(first.stdout).toContain(vpc.privateSubnetIds.join(', '));
    // The state records nothing of the network, only that the stack lives in this VPC.
    expect(Object.entries(stateOf(x).resources).filter(([k]) => k.startsWith('network.') || k.startsWith('nat.'))).toEqual([['network.imported', { vpc: vpc.vpcId }]]);
    expect(await describeNetwork(x.sandbox, vpc.vpcId)).not.toEqual(before); // the stack's groups and interfaces are in it now

    const second = x.sandbox.calls.length;
    const again = await x.ok('provision', '--log-level', 'debug');
    expect(x.sandbox.calls.slice(second).filter((c) => c.mutating).map((c) => c.operation)).toEqual([]);
    expect(new Set(again.logs.filter((l) => l.outcome).map((l) => l.outcome))).toEqual(new Set(['unchanged']));

    await x.ok('destroy', '--yes');
    expect(stackShape(x)).toEqual([]);
    expect(await describeNetwork(x.sandbox, vpc.vpcId)).toEqual(before);
  });

  it('the diagram shows the VPC and subnets as imported, never as planned or made, and no NAT', async () => {
    const vpc: CompanyVpc = { vpcId: 'vpc-0a1b2c3d4e5f67890', publicSubnetIds: ['subnet-0aaa1111bbbb2222c', 'subnet-0ddd3333eeee4444f'], privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'], internetGatewayId: '', publicTableId: '', mainTableId: '' };
    const diagram = stackDiagram(parseConfig({ ...BASE_CONFIG, ...importing(vpc) }, 'shipline.json'), undefined, 'planned');
    expect(diagram.groups.find((g) => g.id === 'vpc')?.label).toBe(`VPC ${vpc.vpcId} · imported (yours: shipline changes nothing of it)`);
    const subnets = diagram.nodes.filter((n) => n.id.startsWith('subnet'));
    expect(subnets.map((n) => n.label[1]).sort()).toEqual([...vpc.publicSubnetIds, ...vpc.privateSubnetIds].sort());
    for (const node of [...subnets, diagram.nodes.find((n) => n.id === 'igw')!]) expect({ id: node.id, planned: node.planned, imported: node.label.at(-1) }).toEqual({ id: node.id, planned: false, imported: 'imported' });
    expect(diagram.nodes.find((n) => n.id === 'nat')).toBeUndefined();
    expect(diagram.nodes.find((n) => n.id === 'alb')?.planned).toBe(true); // the stack's own pieces are still to make
  });

  it('runs under the policy `shipline permissions` gives it, which lets it make no network', async () => {
    const seeded = new Sandbox({ region: 'eu-west-3', pageSize: 5 });
    const vpc = await seedCompanyVpc(seeded);
    const policy = requiredPolicy([{ strategy: 'rolling', natMode: 'none', stateBackend: 'local' }]);
    const actions = policy.Statement.flatMap((st) => [st.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['ec2:DescribeVpcEndpoints', 'ec2:DescribeRouteTables', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs']));
    for (const made of ['ec2:CreateVpc', 'ec2:CreateSubnet', 'ec2:CreateRoute', 'ec2:AssociateRouteTable', 'ec2:RunInstances', 'ec2:CreateNatGateway']) expect(actions).not.toContain(made);
    const x = harness({ config: { ...BASE_CONFIG, ...importing(vpc) }, sandbox: Sandbox.restore(seeded.snapshot(), { callerPolicy: policy }) });
    h = x;
    await x.ok('plan');
    await x.ok('provision');
    await x.ok('destroy', '--yes');
    // GetRole on a role IAM does not know yet is refused outside role/shipline/*, and read as "no such role" (e2e-caller-policy).
    expect(x.sandbox.calls.filter((c) => /AccessDenied|UnauthorizedOperation/.test(c.error ?? '') && c.operation !== 'GetRole').map((c) => c.operation)).toEqual([]);
    expect(stackShape(x)).toEqual([]);
  });

  it('plan says the VPC is imported and lists nothing of the network to make', async () => {
    const { x, vpc } = await companyStack();
    h = x;
    const plan = await x.ok('plan', '--json');
    const doc = JSON.parse(plan.stdout) as { changes: Array<{ resource: string; action: string }> };
    expect(doc.changes.filter((c) => c.resource.startsWith('network.') || c.resource.startsWith('nat.'))).toEqual([]);
    expect(plan.logs.map((l) => String(l.msg))).toContainEqual(expect.stringContaining(`VPC ${vpc.vpcId} imported`));
  });

  it('a lost state adopts the stack\'s own resources by their tags, never the VPC, even one tagged like the stack\'s', async () => {
    const x = harness();
    h = x;
    const vpc = await seedCompanyVpc(x.sandbox);
    // The company's VPC and subnets carry the stack's tag: still not the stack's.
    await x.sandbox.dispatch('ec2', 'CreateTags', { Resources: [vpc.vpcId, ...vpc.publicSubnetIds, ...vpc.privateSubnetIds], Tags: [{ Key: STACK_TAG, Value: 'demo' }] });
    x.writeConfig({ ...BASE_CONFIG, ...importing(vpc) });
    const before = await describeNetwork(x.sandbox, vpc.vpcId);
    await x.ok('provision');
    const inventory = stackShape(x);
    const recorded = Object.keys(stateOf(x).resources).sort();
    rmSync(x.statePath);
    rmSync(`${x.statePath}.bak`, { force: true });
    const from = x.sandbox.mutatingCalls().length;
    await x.ok('provision');
    expect(mutations(x, from)).toEqual([]);
    expect(stackShape(x)).toEqual(inventory);
    expect(Object.keys(stateOf(x).resources).sort()).toEqual(recorded);
    expect(recorded.filter((k) => k.startsWith('network.'))).toEqual(['network.imported']);
    rmSync(x.statePath);
    await x.ok('destroy', '--yes');
    const left = x.sandbox.inventory().filter((i) => i.tags[STACK_TAG] === 'demo').map((i) => i.id);
    expect(left.sort()).toEqual([vpc.vpcId, ...vpc.publicSubnetIds, ...vpc.privateSubnetIds].sort());
    expect(await describeNetwork(x.sandbox, vpc.vpcId)).toEqual(before);
  });

  it('a provision that fails at every third mutating call, then a re-run, converges to the same stack with no duplicate; destroy leaves the network as it was', async () => {
    // Endpoints only, so the placeholder image comes from the account's ECR.
    const start = async () => {
      const made = await companyStack('endpoints');
      made.x.writeConfig({ ...BASE_CONFIG, ...importing(made.vpc), services: { placeholderImage: '123456789012.dkr.ecr.eu-west-3.amazonaws.com/base:1' } });
      return made;
    };
    const clean = await start();
    const seededClean = clean.x.sandbox.mutatingCalls().length;
    await clean.x.ok('provision');
    const reference = stackShape(clean.x);
    const count = clean.x.sandbox.mutatingCalls().length - seededClean;
    clean.x.restore();
    expect(count).toBeGreaterThan(20);
    for (let n = 1; n <= count; n += 3) {
      const { x, vpc, before } = await start();
      h = x;
      x.sandbox.faults.crashAfterMutation(x.sandbox.mutatingCalls().length + n);
      expect({ n, code: (await x.run('provision')).code }).toEqual({ n, code: 1 });
      await x.ok('provision');
      expect({ n, stack: stackShape(x) }).toEqual({ n, stack: reference });
      await x.ok('destroy', '--yes');
      expect({ n, left: stackShape(x) }).toEqual({ n, left: [] });
      expect(await describeNetwork(x.sandbox, vpc.vpcId)).toEqual(before);
      x.restore();
      h = undefined;
    }
  }, 120_000);
});

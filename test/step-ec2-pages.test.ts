// The network and NAT steps read EC2's describes past page one: against the sandbox with pages of 5
// (TEST_PAGE_SIZE) and more than 5 resources in the account, what the steps look for lies on a later
// page (EC2 pages before it filters), and they still find it.
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client, CreateInternetGatewayCommand } from '@aws-sdk/client-ec2';
import type { ResourceRecord } from '../state';
import { ForeignResourceError } from '../src/errors';
import { nat } from '../steps/nat';
import { network } from '../steps/network';
import { testContext } from './helpers/context';
import { REGION, TEST_PAGE_SIZE, useSandbox } from './helpers/sandbox-fixture';

const env = useSandbox();
const FOREIGN = TEST_PAGE_SIZE + 1;

/** Someone else's VPCs (each with its main route table and default group), subnets and internet gateways, made first so they fill page one. */
async function foreignNetworks(ec2: EC2Client): Promise<void> {
  for (let i = 0; i < FOREIGN; i += 1) {
    const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: `172.${16 + i}.0.0/16` }));
    await ec2.send(new CreateSubnetCommand({ VpcId: Vpc!.VpcId!, CidrBlock: `172.${16 + i}.0.0/24` }));
    await ec2.send(new CreateInternetGatewayCommand({}));
  }
}

function stackVpcs(): string[] {
  return env.sandbox.inventory().filter((item) => item.type === 'vpc' && item.tags['shipline:stack'] === 'demo').map((item) => item.id);
}

describe('EC2 describes read past page one', () => {
  it('the network step adopts its VPC, subnets, gateway and route tables by their tags when they lie on a later page (a lost state)', async () => {
    const ec2 = new EC2Client({ region: REGION });
    await foreignNetworks(ec2);
    await network.reconcile(testContext('network'));
    const before = env.sandbox.inventory().length;

    // The state is lost: every piece is looked up by its tags, each behind the foreign ones.
    const again = testContext('network');
    await network.reconcile(again);
    expect(stackVpcs()).toHaveLength(1);
    expect(env.sandbox.inventory()).toHaveLength(before);
    expect(again.outcomes.filter((o) => o.outcome === 'created')).toEqual([]);
  });

  it('the NAT step launches the newest fck-nat AMI when it is listed after the first page', async () => {
    const net = testContext('network');
    await network.reconcile(net);
    // A newer release, listed last (DescribeImages promises no order): behind the seeded images.
    const images = env.sandbox.ec2.data.images;
    const seeded = Object.values(images).find((i) => i.name.startsWith('fck-nat-al2023-hvm-1.3.1') && i.architecture === 'arm64')!;
    expect(Object.keys(images).length).toBeGreaterThan(TEST_PAGE_SIZE);
    images['ami-0fc0000000000fff'] = { ...seeded, id: 'ami-0fc0000000000fff', name: 'fck-nat-al2023-hvm-1.4.0-20250101-arm64-ebs', creationDate: '2025-01-01T00:00:00.000Z' };

    const ctx = testContext('nat', { state: Object.fromEntries(net.records) as Record<string, ResourceRecord> });
    await nat.reconcile(ctx);
    const instanceId = ctx.records.get('nat.instance')?.id;
    expect(instanceId).toBeDefined();
    expect(env.sandbox.ec2.data.instances[instanceId!]?.imageId).toBe('ami-0fc0000000000fff');
  });

  it("the network step's destroy names every foreign group left in its VPC, the ones on a later page too", async () => {
    const ec2 = new EC2Client({ region: REGION });
    const net = testContext('network');
    await network.reconcile(net);
    const vpcId = net.records.get('network.vpc')!.id!;
    const names = Array.from({ length: FOREIGN + 2 }, (_, i) => `someone-else-${i}`);
    for (const GroupName of names) await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName, Description: 'not shipline' }));

    const destroying = testContext('network', { state: Object.fromEntries(net.records) as Record<string, ResourceRecord> });
    const error = await network.destroy(destroying).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForeignResourceError);
    for (const name of names) expect((error as Error).message).toContain(`(${name})`);
  });
});

// Destroy's wait for the network interfaces other services leave in the VPC.
import { paginateDescribeNetworkInterfaces } from '@aws-sdk/client-ec2';
import { allItems, EC2_PAGE } from '../../src/aws/pages';
import { until } from '../../src/aws/wait';
import { ForeignResourceError } from '../../src/errors';
import { isKnown, type StepContext } from '../../src/step';

/**
 * Load balancer nodes, NAT gateways and Fargate tasks leave network interfaces behind that AWS
 * releases minutes after their owner is deleted. Wait for them before deleting subnets; an
 * interface that does not go (something shipline did not create) is named in the error.
 */
export async function waitForNetworkInterfaces(ctx: StepContext, vpcId: string | undefined): Promise<void> {
  if (!isKnown(vpcId) || ctx.dryRun) return;
  await until(ctx, `network interfaces in VPC ${vpcId} to be released`, 900, async () => {
    const NetworkInterfaces = await allItems(
      paginateDescribeNetworkInterfaces({ client: ctx.aws.ec2, ...EC2_PAGE }, { Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
      (page) => page.NetworkInterfaces,
    );
    if (NetworkInterfaces.length === 0) return { done: true, value: undefined };
    // AWS releases the interfaces of load balancers, NAT gateways and tasks late (requester-managed);
    // an interface of an instance is not released at all: the NAT instance is gone by now, so that
    // instance is someone else's. Name it rather than wait out the bound.
    const instances = NetworkInterfaces.filter((n) => !n.RequesterManaged && n.Attachment?.InstanceId);
    if (instances.length > 0) {
      const named = instances.map((n) => `instance ${n.Attachment!.InstanceId} (network interface ${n.NetworkInterfaceId} in subnet ${n.SubnetId})`);
      throw new ForeignResourceError(`VPC ${vpcId} cannot be emptied: it holds what shipline did not create: ${named.join(', ')}`, {
        hint: 'shipline leaves it alone; terminate it or move it out of the VPC yourself, then run destroy again',
      });
    }
    const names = NetworkInterfaces.map((n) => `${n.NetworkInterfaceId} (${n.Description || n.InterfaceType || 'no description'}, ${n.Status})`);
    return { done: false, status: `${NetworkInterfaces.length} left: ${names.slice(0, 5).join(', ')}` };
  });
}

// Destroy's ownership reads: the recorded VPC, subnets and route tables (with their associations),
// each kind in one call. They filter by ID rather than name IDs, so a missing one is simply absent
// instead of failing the call; tags and parents come with them.
import { DescribeRouteTablesCommand, DescribeSubnetsCommand, DescribeVpcsCommand, type RouteTable, type Subnet, type Vpc } from '@aws-sdk/client-ec2';
import { isKnown, type StepContext } from '../../src/step';
import { firstForeign, foreignByParent, foreignByTags } from '../lib/owned';
import { KEYS, ownSubnets, TIERS } from './keys';

export interface OwnedReads {
  vpc(): Promise<Vpc | undefined>;
  vpcIsOurs(): Promise<boolean>;
  subnet(id: string): Promise<Subnet | undefined>;
  routeTable(id: string): Promise<RouteTable | undefined>;
  /** The table holding this association (the stack's or not). */
  tableOfAssociation(id: string): Promise<RouteTable | undefined>;
}

export function ownedReads(ctx: StepContext): OwnedReads {
  const ec2 = ctx.aws.ec2;
  const recorded = (keys: string[]) => keys.map((k) => ctx.state.get(k)?.id).filter(isKnown);
  const subnetKeys = ownSubnets(ctx).map(({ tier, i }) => KEYS.subnet(tier, i));
  const associationKeys = ownSubnets(ctx).map(({ tier, i }) => KEYS.association(tier, i));
  const once = <T>(read: () => Promise<T>) => {
    let result: Promise<T> | undefined;
    return () => (result ??= read());
  };
  const vpcs = once(async () => (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'vpc-id', Values: recorded([KEYS.vpc]) }] }))).Vpcs ?? []);
  const subnets = once(async () => (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'subnet-id', Values: recorded(subnetKeys) }] }))).Subnets ?? []);
  const tables = once(async () => {
    const ids = recorded(TIERS.map(KEYS.routeTable));
    const associations = recorded(associationKeys);
    const byId = async (Filters: Array<{ Name: string; Values: string[] }>) => (await ec2.send(new DescribeRouteTablesCommand({ Filters }))).RouteTables ?? [];
    const [own, holding] = await Promise.all([
      ids.length ? byId([{ Name: 'route-table-id', Values: ids }]) : [],
      associations.length ? byId([{ Name: 'association.route-table-association-id', Values: associations }]) : [],
    ]);
    return [...own, ...holding.filter((t) => !own.some((o) => o.RouteTableId === t.RouteTableId))];
  });
  const vpc = async () => (await vpcs())[0];
  return {
    vpc,
    vpcIsOurs: async () => {
      const found = await vpc();
      return found !== undefined && ctx.tags.owns(found.Tags);
    },
    subnet: async (id) => (await subnets()).find((n) => n.SubnetId === id),
    routeTable: async (id) => (await tables()).find((t) => t.RouteTableId === id),
    tableOfAssociation: async (id) => (await tables()).find((t) => t.Associations?.some((a) => a.RouteTableAssociationId === id)),
  };
}

/** The stack's tag, and in the stack's VPC (when it is known and the stack's). */
export function foreignInVpc(ctx: StepContext, tags: Vpc['Tags'], actualVpc: string | undefined, vpcId: string | undefined): string | undefined {
  return firstForeign(foreignByTags(ctx, tags), isKnown(vpcId) ? foreignByParent('VPC', actualVpc, vpcId) : undefined);
}

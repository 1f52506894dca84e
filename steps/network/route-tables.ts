// The public and private route tables, and each subnet's association with its tier's table.
import {
  AssociateRouteTableCommand,
  CreateRouteTableCommand,
  DeleteRouteTableCommand,
  DescribeRouteTablesCommand,
  DisassociateRouteTableCommand,
  paginateDescribeRouteTables,
  type DescribeRouteTablesCommandInput,
  type RouteTable,
} from '@aws-sdk/client-ec2';
import { EC2_NOT_FOUND, retryWhileNotFound } from '../../src/aws/consistency';
import { GONE, isGone } from '../../src/aws/gone';
import { unlessNotFound } from '../../src/aws/errors';
import { EC2_ROUTE_TABLE_PAGE, firstItem } from '../../src/aws/pages';
import { retryWhile } from '../../src/aws/wait';
import { ensure, ignoringGone, remove } from '../../src/reconcile';
import { isKnown, type StepContext } from '../../src/step';
import { readRouteTablesOnce } from '../lib/route';
import { firstForeign, foreignByParent, foreignByTags } from '../lib/owned';
import { KEYS, subnetPart, TIERS, type Tier } from './keys';
import { foreignInVpc, type OwnedReads } from './owned';
import { allSettled } from '../lib/all-settled';

async function findRouteTable(ctx: StepContext, filters: DescribeRouteTablesCommandInput): Promise<RouteTable | undefined> {
  return (await unlessNotFound(ctx.aws.ec2.send(new DescribeRouteTablesCommand(filters)), ...GONE.ec2.routeTable))?.RouteTables?.[0];
}

/** A search by tags in the VPC reads page after page (a lookup by ID above is answered whole). */
function findRouteTableByTags(ctx: StepContext, part: string, vpcId: string): Promise<RouteTable | undefined> {
  const Filters = [...ctx.tags.filters(part), { Name: 'vpc-id', Values: [vpcId] }];
  return firstItem(paginateDescribeRouteTables({ client: ctx.aws.ec2, ...EC2_ROUTE_TABLE_PAGE }, { Filters }), (page) => page.RouteTables);
}

/**
 * The route tables this run has read or made, by ID: the table, its routes and its associations
 * come in one read, which the route and the associations below use again. The tables recorded in
 * state are read together, in the run's shared read (the nat step confirms its route from it); when
 * one of them is gone, AWS answers that read with NotFound and each table is read on its own.
 */
export interface RouteTableReader {
  read(id: string): Promise<RouteTable | undefined>;
  seen(table: RouteTable): void;
}

export function routeTableReader(ctx: StepContext): RouteTableReader {
  const recorded = TIERS.map((tier) => ctx.state.get(KEYS.routeTable(tier))?.id).filter(isKnown);
  const tables = new Map<string, Promise<RouteTable | undefined>>();
  const readOne = async (id: string) =>
    (recorded.includes(id) ? (await readRouteTablesOnce(ctx, recorded))?.get(id) : undefined) ??
    findRouteTable(ctx, { RouteTableIds: [id] });
  return {
    read: (id) => {
      let table = tables.get(id);
      if (!table) {
        table = readOne(id);
        tables.set(id, table);
      }
      return table;
    },
    seen: (table) => void tables.set(table.RouteTableId!, Promise.resolve(table)),
  };
}

export async function ensureRouteTable(ctx: StepContext, vpcId: string, tier: Tier, tables: RouteTableReader, fresh: boolean): Promise<string> {
  const part = `${tier}-rt`;
  const { id, resource } = await ensure<RouteTable>(ctx, {
    key: KEYS.routeTable(tier),
    kind: `route table ${tier}`,
    needs: [vpcId],
    find: (id) => tables.read(id),
    foreign: (rt) => foreignInVpc(ctx, rt.Tags, rt.VpcId, vpcId),
    findByTags: async () => (fresh ? undefined : findRouteTableByTags(ctx, part, vpcId)),
    create: async () => {
      const { RouteTable } = await ctx.aws.ec2.send(
        new CreateRouteTableCommand({ VpcId: vpcId, TagSpecifications: [{ ResourceType: 'route-table', Tags: ctx.tags.list('network', part) }] }),
      );
      return RouteTable!;
    },
    id: (rt) => rt.RouteTableId!,
  });
  // As found, adopted or made: what the route and the associations start from.
  if (resource?.RouteTableId) tables.seen(resource);
  return id;
}

export async function deleteRouteTable(ctx: StepContext, tier: Tier, vpcId: string | undefined, owned: OwnedReads): Promise<void> {
  const part = `${tier}-rt`;
  const ec2 = ctx.aws.ec2;
  await remove(ctx, {
    key: KEYS.routeTable(tier),
    kind: `route table ${tier}`,
    confirm: { find: (id) => owned.routeTable(id), foreign: (rt) => foreignInVpc(ctx, rt.Tags, rt.VpcId, vpcId) },
    findByTags: async () => (vpcId === undefined ? undefined : findRouteTableByTags(ctx, part, vpcId)),
    id: (rt) => rt.RouteTableId!,
    delete: async (id) => {
      // Associations take no tags: with a lost state file they are only found through their table.
      for (const a of (await findRouteTable(ctx, { RouteTableIds: [id] }))?.Associations ?? []) {
        if (a.Main || !a.RouteTableAssociationId) continue;
        await ignoringGone(() => ec2.send(new DisassociateRouteTableCommand({ AssociationId: a.RouteTableAssociationId })), isGone(GONE.ec2.routeTableAssociation));
      }
      await retryWhile(ctx, `route table ${id} to lose its subnet associations`, 120, ['DependencyViolation'], () =>
        ignoringGone(() => ec2.send(new DeleteRouteTableCommand({ RouteTableId: id })), isGone(GONE.ec2.routeTable)),
      );
    },
  });
}

/** Each subnet's association with its tier's table: no tags, found by table and subnet. */
export async function ensureAssociations(
  ctx: StepContext,
  tables: Record<Tier, string>,
  subnets: Record<Tier, string[]>,
  reader: RouteTableReader,
): Promise<void> {
  type Association = { RouteTableAssociationId: string; RouteTableId: string; SubnetId: string };
  const associations = async (tableId: string) =>
    isKnown(tableId) ? (((await reader.read(tableId))?.Associations ?? []).filter((a) => a.SubnetId) as Association[]) : [];
  const ensureAssociation = async (tier: Tier, i: number, subnetId: string): Promise<void> => {
    const tableId = tables[tier];
    const lookup = async () => (await associations(tableId)).find((a) => a.SubnetId === subnetId);
    await ensure<Association>(ctx, {
      key: KEYS.association(tier, i),
      kind: `route table association ${subnetPart(tier, i)} → ${tier}`,
      needs: [tableId, subnetId],
      // Found only in the stack's table (confirmed above) for the stack's subnet: another ID reads as gone.
      foreign: () => undefined,
      find: async (id) => ((await lookup())?.RouteTableAssociationId === id ? lookup() : undefined),
      findByTags: lookup,
      create: async () => {
        const { AssociationId } = await retryWhileNotFound(
          ctx,
          `AssociateRouteTable ${tableId} with ${subnetId}`,
          [EC2_NOT_FOUND.routeTable, EC2_NOT_FOUND.subnet],
          () => ctx.aws.ec2.send(new AssociateRouteTableCommand({ RouteTableId: tableId, SubnetId: subnetId })),
        );
        return { RouteTableAssociationId: AssociationId!, RouteTableId: tableId, SubnetId: subnetId };
      },
      id: (a) => a.RouteTableAssociationId,
    });
  };
  await allSettled(TIERS.flatMap((tier) => subnets[tier].map((subnetId, i) => ensureAssociation(tier, i, subnetId))));
}

export async function deleteAssociation(ctx: StepContext, tier: Tier, i: number, owned: OwnedReads): Promise<void> {
  const table = ctx.state.get(KEYS.routeTable(tier))?.id;
  await remove(ctx, {
    key: KEYS.association(tier, i),
    kind: `route table association ${subnetPart(tier, i)}`,
    // Takes no tags: the stack's when it is in the stack's table for its tier, which carries the stack's tag.
    confirm: {
      find: (id) => owned.tableOfAssociation(id),
      foreign: (rt) => firstForeign(foreignByParent('route table', rt.RouteTableId, table), foreignByTags(ctx, rt.Tags)),
    },
    delete: (id) =>
      ignoringGone(() => ctx.aws.ec2.send(new DisassociateRouteTableCommand({ AssociationId: id })), isGone(GONE.ec2.routeTableAssociation)),
  });
}


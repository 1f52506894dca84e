// A route takes no tags: it is found by its parent table and its destination, and recorded in
// state as `<route table id>:<destination>`. Drift (another target, or a blackhole left by a
// terminated NAT) is repaired in place with ReplaceRoute.
import {
  CreateRouteCommand,
  DeleteRouteCommand,
  DescribeRouteTablesCommand,
  ReplaceRouteCommand,
  type Route,
  type RouteTable,
} from '@aws-sdk/client-ec2';
import { EC2_NOT_FOUND, retryWhileNotFound } from '../../src/aws/consistency';
import { GONE, isGone } from '../../src/aws/gone';
import { unlessNotFound } from '../../src/aws/errors';
import { ensure, ignoringGone, remove, type Ensured } from '../../src/reconcile';
import { isKnown, type StepContext } from '../../src/step';
import { firstForeign, foreignByParent, foreignByTags } from './owned';

export type RouteTarget = { GatewayId: string } | { NetworkInterfaceId: string } | { NatGatewayId: string };

type TargetKind = 'GatewayId' | 'NetworkInterfaceId' | 'NatGatewayId';

export interface RouteSpec {
  key: string;
  kind: string;
  routeTableId: string | undefined;
  destination: string;
  target: RouteTarget | undefined;
  /** The route table as the caller already read it (its routes come with it); read here otherwise. */
  table?: () => Promise<RouteTable | undefined>;
  /**
   * The route table as an earlier step of this run saw it (a snapshot): used only to confirm that
   * the route is already exactly as desired. Anything else (no table, no route, another target)
   * is decided on a read of its own.
   */
  snapshot?: () => Promise<RouteTable | undefined>;
}

/**
 * The run's shared read of the stack's route tables: the network step reads the tables it has
 * recorded in one call, and the nat step confirms its private default route from that answer.
 */
const ROUTE_TABLES = 'ec2.routeTables';

/** The route tables of the shared read, by ID; undefined when one of them was gone (AWS then names none). */
export type RouteTables = ReadonlyMap<string, RouteTable> | undefined;

/** Make the run's shared read of these route tables (the first caller's IDs stand for the run). */
export function readRouteTablesOnce(ctx: StepContext, routeTableIds: string[]): Promise<RouteTables> {
  return ctx.shared.once<RouteTables>(ROUTE_TABLES, async () => {
    const out = await unlessNotFound(ctx.aws.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: routeTableIds })), ...GONE.ec2.routeTable);
    return out && new Map((out.RouteTables ?? []).map((t) => [t.RouteTableId!, t]));
  });
}

/** A route table as the run's shared read saw it; never reads (no shared read this run: undefined). */
export async function routeTableSnapshot(ctx: StepContext, routeTableId: string | undefined): Promise<RouteTable | undefined> {
  if (routeTableId === undefined) return undefined;
  return (await ctx.shared.peek<RouteTables>(ROUTE_TABLES))?.get(routeTableId);
}

/** What CreateRoute and ReplaceRoute answer while the table or the target they name is not visible yet. */
const ROUTE_NOT_FOUND = [EC2_NOT_FOUND.routeTable, EC2_NOT_FOUND.routeGateway, EC2_NOT_FOUND.networkInterface];

const routeId = (routeTableId: string, destination: string) => `${routeTableId}:${destination}`;

async function readTable(ctx: StepContext, routeTableId: string): Promise<RouteTable | undefined> {
  const out = await unlessNotFound(
    ctx.aws.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [routeTableId] })),
    ...GONE.ec2.routeTable,
  );
  return out?.RouteTables?.[0];
}

export async function ensureRoute(ctx: StepContext, spec: RouteSpec): Promise<Ensured<Route>> {
  const ec2 = ctx.aws.ec2;
  const target = spec.target;
  const targetId = target && Object.values(target)[0];
  const params = () => ({ RouteTableId: spec.routeTableId, DestinationCidrBlock: spec.destination, ...target });
  const inTable = (t: RouteTable | undefined) => t?.Routes?.find((r) => r.DestinationCidrBlock === spec.destination);
  // One read of the table, whether the route is looked up by its ID or (no record) by its destination.
  let table: Promise<RouteTable | undefined> | undefined;
  const findRoute = async () => {
    const seen = spec.snapshot && inTable(await spec.snapshot());
    if (seen && target && isExactly(seen, target)) return seen;
    return inTable(await (table ??= spec.table ? spec.table() : readTable(ctx, spec.routeTableId!)));
  };
  return ensure(ctx, {
    key: spec.key,
    kind: spec.kind,
    needs: [spec.routeTableId, targetId],
    // Found only in the stack's table (confirmed by the step that owns it, earlier in the run); a
    // record naming another table reads as gone: nothing is done there, and the route is made here.
    foreign: () => undefined,
    find: (id) => (id === routeId(spec.routeTableId!, spec.destination) ? findRoute() : Promise.resolve(undefined)),
    findByTags: findRoute,
    create: async () => {
      // The table, the gateway and the NAT instance's interface may all be minutes old at most.
      await retryWhileNotFound(ctx, `CreateRoute ${spec.destination} in route table ${spec.routeTableId}`, ROUTE_NOT_FOUND, () =>
        ec2.send(new CreateRouteCommand(params())),
      );
      return { DestinationCidrBlock: spec.destination, ...target, State: 'active' };
    },
    id: () => routeId(spec.routeTableId!, spec.destination),
    drift: (route) => {
      const current = route.NatGatewayId ?? route.NetworkInterfaceId ?? route.GatewayId;
      return route.State === 'blackhole' || current !== targetId ? ['target'] : [];
    },
    // A new target (a NAT instance made again) may not be visible to ReplaceRoute yet either.
    update: async () => {
      await retryWhileNotFound(ctx, `ReplaceRoute ${spec.destination} in route table ${spec.routeTableId}`, ROUTE_NOT_FOUND, () =>
        ec2.send(new ReplaceRouteCommand(params())),
      );
    },
  });
}

/** Active, and to this very target (its kind and its ID). */
function isExactly(route: Route, target: RouteTarget): boolean {
  return route.State === 'active' && Object.entries(target).every(([kind, id]) => route[kind as TargetKind] === id);
}

const splitRouteId = (id: string) => {
  const split = id.indexOf(':');
  return { RouteTableId: id.slice(0, split), DestinationCidrBlock: id.slice(split + 1) };
};

/** A route takes no tags: it is the stack's when it is in the stack's table, to the destination shipline gives it. */
function foreignRouteId(id: string, routeTableId: string | undefined, destination: string): string | undefined {
  const route = splitRouteId(id);
  return firstForeign(
    foreignByParent('route table', route.RouteTableId, routeTableId),
    route.DestinationCidrBlock === destination ? undefined : `is a route to ${route.DestinationCidrBlock}, not ${destination}`,
  );
}

/**
 * Delete the route recorded under `key`: only from the stack's table (`routeTableId`, from state),
 * and only once that table is confirmed to carry the stack's tag (one read of it).
 */
export async function deleteRoute(ctx: StepContext, key: string, kind: string, routeTableId: string | undefined, destination: string): Promise<void> {
  await remove<never, { id: string; table: RouteTable | undefined }>(ctx, {
    key,
    kind,
    confirm: {
      find: async (id) => {
        // A route naming another table is refused on its ID alone, without reading that table.
        if (foreignRouteId(id, routeTableId, destination) !== undefined || !isKnown(routeTableId)) return { id, table: undefined };
        const table = await readTable(ctx, routeTableId);
        return table && { id, table };
      },
      foreign: ({ id, table }) => firstForeign(foreignRouteId(id, routeTableId, destination), table && foreignByTags(ctx, table.Tags)),
    },
    delete: async (id) => {
      const { RouteTableId, DestinationCidrBlock } = splitRouteId(id);
      await ignoringGone(
        () => ctx.aws.ec2.send(new DeleteRouteCommand({ RouteTableId, DestinationCidrBlock })),
        isGone(GONE.ec2.route),
      );
    },
  });
}

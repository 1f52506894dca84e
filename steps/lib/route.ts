// A route takes no tags: it is found by its parent table and its destination, and recorded in
// state as `<route table id>:<destination>`. Drift (another target, or a blackhole left by a
// terminated NAT) is repaired in place with ReplaceRoute.
import {
  CreateRouteCommand,
  DeleteRouteCommand,
  DescribeRouteTablesCommand,
  ReplaceRouteCommand,
  type Route,
} from '@aws-sdk/client-ec2';
import { isAwsError, unlessNotFound } from '../../src/aws/errors';
import { ensure, ignoringGone, remove, type Ensured } from '../../src/reconcile';
import type { StepContext } from '../../src/step';

export type RouteTarget = { GatewayId: string } | { NetworkInterfaceId: string } | { NatGatewayId: string };

export interface RouteSpec {
  key: string;
  kind: string;
  routeTableId: string | undefined;
  destination: string;
  target: RouteTarget | undefined;
}

const routeId = (routeTableId: string, destination: string) => `${routeTableId}:${destination}`;

async function findRoute(ctx: StepContext, routeTableId: string, destination: string): Promise<Route | undefined> {
  const out = await unlessNotFound(
    ctx.aws.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [routeTableId] })),
    'InvalidRouteTableID.NotFound',
  );
  return out?.RouteTables?.[0]?.Routes?.find((r) => r.DestinationCidrBlock === destination);
}

export async function ensureRoute(ctx: StepContext, spec: RouteSpec): Promise<Ensured<Route>> {
  const ec2 = ctx.aws.ec2;
  const target = spec.target;
  const targetId = target && Object.values(target)[0];
  const params = () => ({ RouteTableId: spec.routeTableId, DestinationCidrBlock: spec.destination, ...target });
  return ensure(ctx, {
    key: spec.key,
    kind: spec.kind,
    needs: [spec.routeTableId, targetId],
    find: (id) => (id === routeId(spec.routeTableId!, spec.destination) ? findRoute(ctx, spec.routeTableId!, spec.destination) : Promise.resolve(undefined)),
    findByTags: () => findRoute(ctx, spec.routeTableId!, spec.destination),
    create: async () => {
      await ec2.send(new CreateRouteCommand(params()));
      return { DestinationCidrBlock: spec.destination, ...target, State: 'active' };
    },
    id: () => routeId(spec.routeTableId!, spec.destination),
    drift: (route) => {
      const current = route.NatGatewayId ?? route.NetworkInterfaceId ?? route.GatewayId;
      return route.State === 'blackhole' || current !== targetId ? ['target'] : [];
    },
    update: async () => {
      await ec2.send(new ReplaceRouteCommand(params()));
    },
  });
}

export async function deleteRoute(ctx: StepContext, key: string, kind: string): Promise<void> {
  await remove(ctx, {
    key,
    kind,
    delete: async (id) => {
      const split = id.indexOf(':');
      const RouteTableId = id.slice(0, split);
      const DestinationCidrBlock = id.slice(split + 1);
      await ignoringGone(
        () => ctx.aws.ec2.send(new DeleteRouteCommand({ RouteTableId, DestinationCidrBlock })),
        (e) => isAwsError(e, 'InvalidRoute.NotFound', 'InvalidRouteTableID.NotFound'),
      );
    },
  });
}

// The network: a VPC with DNS, public and private subnets across AZs, an internet gateway, a
// public route table (0.0.0.0/0 → internet gateway) and a private one (its default route is the
// NAT step's, since its target depends on the NAT mode). Or, with `network.vpcId`, the user's own
// VPC, which this step only reads (imported.ts): it makes, adopts, changes and deletes none of it.
import { isKnown, type Step } from '../../src/step';
import { deleteRoute, ensureRoute } from '../lib/route';
import { allSettled } from '../lib/all-settled';
import { deleteInternetGateway, ensureInternetGateway } from './gateway';
import { waitForNetworkInterfaces } from './interfaces';
import { importedNetwork } from '../../src/network-config';
import { checkImportedNetwork, noteImported, refuseVpcMove, reportImported } from './imported';
import { KEYS, ownSubnets, TIERS, type Tier } from './keys';
import { ownedReads } from './owned';
import { deleteAssociation, deleteRouteTable, ensureAssociations, ensureRouteTable, routeTableReader } from './route-tables';
import { deleteSubnet, ensureSubnets } from './subnets';
import { deleteVpc, ensureVpc, findVpcByTags } from './vpc';

export { KEYS, subnetIds, subnetPart, vpcIdOf } from './keys';
export { importedVpcCidrs, refuseVpcMove } from './imported';
export { findVpcByTags } from './vpc';

export const network: Step = {
  name: 'network',
  after: [],

  async preflight(ctx) {
    const imported = importedNetwork(ctx.config);
    if (imported) await checkImportedNetwork(ctx, imported);
  },

  async reconcile(ctx) {
    const imported = importedNetwork(ctx.config);
    if (imported) {
      reportImported(ctx, imported);
      return noteImported(ctx, imported);
    }
    const vpc = await ensureVpc(ctx);
    // What lives in the VPC can't exist yet in one just made: no lookups for it.
    const fresh = vpc.outcome === 'created';
    const tables = routeTableReader(ctx);
    // Independent of each other once the VPC exists: made at once.
    const [subnets, igw, publicTable, privateTable] = await allSettled([
      ensureSubnets(ctx, vpc.id, fresh),
      ensureInternetGateway(ctx, vpc.id),
      ensureRouteTable(ctx, vpc.id, 'public', tables, fresh),
      ensureRouteTable(ctx, vpc.id, 'private', tables, fresh),
    ] as const);
    await allSettled([
      ensureRoute(ctx, {
        key: KEYS.publicRoute,
        kind: 'route 0.0.0.0/0 → internet gateway (public)',
        routeTableId: publicTable,
        destination: '0.0.0.0/0',
        target: isKnown(igw) ? { GatewayId: igw } : undefined,
        table: () => tables.read(publicTable),
      }),
      ensureAssociations(ctx, { public: publicTable, private: privateTable }, subnets, tables),
    ] as const);
  },

  outputs(state, config) {
    const imported = importedNetwork(config);
    if (imported) {
      return [
        { key: 'vpcId', label: 'VPC (imported)', value: imported.vpcId },
        { key: 'publicSubnets', label: 'public subnets (imported)', value: imported.publicSubnetIds.join(', '), json: imported.publicSubnetIds },
        { key: 'privateSubnets', label: 'private subnets (imported)', value: imported.privateSubnetIds.join(', '), json: imported.privateSubnetIds },
      ];
    }
    const ids = (tier: Tier) => Array.from({ length: config.network.azs ?? 0 }, (_, i) => state.get(KEYS.subnet(tier, i))?.id).filter(isKnown);
    const vpc = state.get(KEYS.vpc)?.id;
    return vpc
      ? [
          { key: 'vpcId', label: 'VPC', value: vpc },
          { key: 'vpcCidr', label: 'VPC CIDR', value: state.get(KEYS.vpc)?.cidr ?? config.network.cidr ?? '' },
          { key: 'publicSubnets', label: 'public subnets', value: ids('public').join(', '), json: ids('public') },
          { key: 'privateSubnets', label: 'private subnets', value: ids('private').join(', '), json: ids('private') },
        ]
      : [];
  },

  async destroy(ctx) {
    // An imported VPC is the user's: nothing of it is shipline's to delete, whatever its tags say.
    const imported = importedNetwork(ctx.config);
    if (imported) {
      refuseVpcMove(ctx);
      ctx.log.debug({ id: imported.vpcId }, `VPC ${imported.vpcId} is imported: destroy leaves it and its subnets as they are`);
      // The note goes last, once the stack's pieces in the VPC are gone (this step is destroyed after them).
      if (ctx.state.get(KEYS.imported)) await ctx.state.forget(KEYS.imported);
      return;
    }
    const owned = ownedReads(ctx);
    const recordedVpc = ctx.state.get(KEYS.vpc)?.id;
    // A recorded VPC that is not the stack's is neither waited on nor used to find anything.
    const vpcId = isKnown(recordedVpc) ? ((await owned.vpcIsOurs()) ? recordedVpc : undefined) : (await findVpcByTags(ctx))?.VpcId;
    const subnets = ownSubnets(ctx);
    // Two chains at once: associations then route tables; the interfaces other services leave in
    // the subnets, then the gateway (the public route gone too). A load balancer's interfaces keep
    // their public addresses for minutes after it is deleted, and AWS refuses to detach the gateway
    // while any address is mapped: the interface wait's bound covers that. Then the subnets, the VPC.
    const publicRouteGone = deleteRoute(ctx, KEYS.publicRoute, 'route 0.0.0.0/0 (public)', ctx.state.get(KEYS.routeTable('public'))?.id, '0.0.0.0/0');
    await allSettled([
      (async () => {
        await allSettled(subnets.map(({ tier, i }) => deleteAssociation(ctx, tier, i, owned)));
        await publicRouteGone;
        await allSettled(TIERS.map((tier) => deleteRouteTable(ctx, tier, vpcId, owned)));
      })(),
      (async () => {
        await allSettled([publicRouteGone, waitForNetworkInterfaces(ctx, vpcId)]);
        await deleteInternetGateway(ctx, vpcId);
      })(),
    ]);
    await allSettled(subnets.map(({ tier, i }) => deleteSubnet(ctx, tier, i, vpcId, owned)));
    await deleteVpc(ctx, owned);
  },
};

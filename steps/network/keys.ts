// The network step's state keys and the names it derives (subnet parts by tier and AZ letter).
import { importedNetwork, ownNetwork } from '../../src/network-config';
import type { StepContext } from '../../src/step';

export type Tier = 'public' | 'private';
export const TIERS: readonly Tier[] = ['public', 'private'];
const LETTERS = 'abcdef';

export const KEYS = {
  vpc: 'network.vpc',
  /** Not a resource: notes that the stack lives in an imported VPC (`vpc`), so it cannot switch to one of its own unseen. */
  imported: 'network.imported',
  internetGateway: 'network.internetGateway',
  routeTable: (tier: Tier) => `network.routeTable.${tier}`,
  publicRoute: 'network.route.public',
  subnet: (tier: Tier, i: number) => `network.subnet.${subnetPart(tier, i)}`,
  association: (tier: Tier, i: number) => `network.association.${subnetPart(tier, i)}`,
};

export const subnetPart = (tier: Tier, i: number) => `${tier}-${LETTERS[i]}`;

/** The subnet IDs of a tier: an imported VPC's from the config, else as recorded by this step (in AZ order). */
export function subnetIds(ctx: Pick<StepContext, 'state' | 'config'>, tier: Tier): Array<string | undefined> {
  const imported = importedNetwork(ctx.config);
  if (imported) return tier === 'public' ? imported.publicSubnetIds : imported.privateSubnetIds;
  return Array.from({ length: ownNetwork(ctx.config).azs }, (_, i) => ctx.state.get(KEYS.subnet(tier, i))?.id);
}

/** The VPC the stack's pieces go in: an imported one from the config, else the one this step recorded. */
export function vpcIdOf(ctx: Pick<StepContext, 'state' | 'config'>): string | undefined {
  return importedNetwork(ctx.config)?.vpcId ?? ctx.state.get(KEYS.vpc)?.id;
}

/** Each (tier, AZ index) of the subnets shipline makes. */
export function ownSubnets(ctx: Pick<StepContext, 'config'>): Array<{ tier: Tier; i: number }> {
  return TIERS.flatMap((tier) => Array.from({ length: ownNetwork(ctx.config).azs }, (_, i) => ({ tier, i })));
}

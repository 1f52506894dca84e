// The network step's state keys and the names it derives (subnet parts by tier and AZ letter).
import type { StepContext } from '../../src/step';

export type Tier = 'public' | 'private';
export const TIERS: readonly Tier[] = ['public', 'private'];
const LETTERS = 'abcdef';

export const KEYS = {
  vpc: 'network.vpc',
  internetGateway: 'network.internetGateway',
  routeTable: (tier: Tier) => `network.routeTable.${tier}`,
  publicRoute: 'network.route.public',
  subnet: (tier: Tier, i: number) => `network.subnet.${subnetPart(tier, i)}`,
  association: (tier: Tier, i: number) => `network.association.${subnetPart(tier, i)}`,
};

export const subnetPart = (tier: Tier, i: number) => `${tier}-${LETTERS[i]}`;

/** The subnet IDs of a tier, as recorded by this step (in AZ order). */
export function subnetIds(ctx: Pick<StepContext, 'state' | 'config'>, tier: Tier): Array<string | undefined> {
  return Array.from({ length: ctx.config.network.azs }, (_, i) => ctx.state.get(KEYS.subnet(tier, i))?.id);
}

// EC2's eventual consistency: right after a create, a call that modifies or describes the new
// resource by its ID may be answered with the resource's `*.NotFound` code for a while ("its ID
// might not have propagated throughout the system"). AWS's advice is to retry with exponential
// backoff, from a couple of seconds up to a few minutes. The calls shipline makes right after a
// create go through `retryWhileNotFound`, which retries only the codes of the resources just made.
import { messageOf } from '../errors';
import { awsErrorCode, isAwsError } from './errors';
import { GONE } from './gone';
import { until } from './wait';
import type { StepContext } from '../step';

/**
 * How long a new EC2 resource may stay invisible, in AWS seconds: terraform-provider-aws waits
 * `ec2PropagationTimeout` (5 minutes) for the same thing.
 */
export const EC2_PROPAGATION_SECONDS = 300;

/**
 * The code each EC2 resource kind answers with while a call can't see it yet (or when it is gone):
 * the "already gone" table's (gone.ts), and two that only a route names.
 */
export const EC2_NOT_FOUND = {
  vpc: GONE.ec2.vpc[0],
  subnet: GONE.ec2.subnet[0],
  internetGateway: GONE.ec2.internetGateway[0],
  /** CreateRoute/ReplaceRoute name an internet gateway as `GatewayId`, and answer with this code. */
  routeGateway: 'InvalidGatewayID.NotFound',
  routeTable: GONE.ec2.routeTable[0],
  securityGroup: GONE.ec2.securityGroup[0],
  instance: GONE.ec2.instance[0],
  networkInterface: 'InvalidNetworkInterfaceID.NotFound',
} as const;

export type Ec2NotFoundCode = (typeof EC2_NOT_FOUND)[keyof typeof EC2_NOT_FOUND];

/**
 * Run `call` again while AWS answers one of `codes` (the NotFound codes of the resources the call
 * names that may have just been made), within `boundSeconds`, backing off like every wait.
 * Anything else, and the same code once the bound is spent, is thrown: a resource that stays
 * missing that long is gone, not late.
 */
export async function retryWhileNotFound<T>(
  ctx: Pick<StepContext, 'waits' | 'signal' | 'progress' | 'log' | 'step'>,
  what: string,
  codes: readonly Ec2NotFoundCode[],
  call: () => Promise<T>,
  boundSeconds: number = EC2_PROPAGATION_SECONDS,
): Promise<T> {
  let refusals = 0;
  // As retryWhile, with AWS's code in the status a timeout reports.
  return until(ctx, `${what} (a new resource AWS does not show everywhere yet)`, boundSeconds, async () => {
    try {
      return { done: true, value: await call() };
    } catch (error) {
      if (!isAwsError(error, ...codes)) throw error;
      refusals += 1;
      ctx.log.debug({ what, code: awsErrorCode(error), refusals }, 'not visible to this call yet (EC2 eventual consistency): retrying');
      return { done: false, status: `${awsErrorCode(error)}: ${messageOf(error)}` };
    }
  });
}

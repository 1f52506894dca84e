// An imported VPC (`network.vpcId`): shipline makes none of it and changes none of it. Four reads
// say what it is (the VPC, the named subnets, the VPC's route tables and endpoints), made once per
// run and shared: the preflight check refuses a network the stack cannot run in before anything
// changes, provision says it is imported, and the load balancer reads the VPC's CIDR blocks.
import {
  paginateDescribeRouteTables,
  paginateDescribeSubnets,
  paginateDescribeVpcEndpoints,
  paginateDescribeVpcs,
} from '@aws-sdk/client-ec2';
import { allItems, EC2_PAGE, EC2_ROUTE_TABLE_PAGE } from '../../src/aws/pages';
import { ConfigError } from '../../src/errors';
import { importedNetwork, type ImportedNetwork } from '../../src/network-config';
import { settingsOf } from '../../src/service-config';
import type { StepContext } from '../../src/step';
import { importedNetworkFindings, type ImportedReads, type TaskNeeds } from './imported-checks';
import { KEYS } from './keys';

export function readImportedNetwork(ctx: StepContext, network: ImportedNetwork): Promise<ImportedReads> {
  return ctx.shared.once(`ec2:imported-network:${network.vpcId}`, async () => {
    const client = ctx.aws.ec2;
    // Filters, not IDs: a missing VPC or subnet is simply absent (a finding), not an error.
    const inVpc = [{ Name: 'vpc-id', Values: [network.vpcId] }];
    const [vpcs, subnets, routeTables, endpoints] = await Promise.all([
      allItems(paginateDescribeVpcs({ client, ...EC2_PAGE }, { Filters: inVpc }), (page) => page.Vpcs),
      allItems(
        paginateDescribeSubnets({ client, ...EC2_PAGE }, { Filters: [{ Name: 'subnet-id', Values: [...network.publicSubnetIds, ...network.privateSubnetIds] }] }),
        (page) => page.Subnets,
      ),
      allItems(paginateDescribeRouteTables({ client, ...EC2_ROUTE_TABLE_PAGE }, { Filters: inVpc }), (page) => page.RouteTables),
      allItems(paginateDescribeVpcEndpoints({ client, ...EC2_PAGE }, { Filters: inVpc }), (page) => page.VpcEndpoints),
    ]);
    return { vpc: vpcs[0], subnets, routeTables, endpoints };
  });
}

/** Before any change (and in a plan): the network must be able to run the stack, and no VPC of shipline's may be recorded. */
export async function checkImportedNetwork(ctx: StepContext, network: ImportedNetwork): Promise<void> {
  refuseVpcMove(ctx);
  const findings = importedNetworkFindings(network, await readImportedNetwork(ctx, network), taskNeeds(ctx));
  if (findings.length === 0) return;
  throw new ConfigError(`the imported VPC ${network.vpcId} cannot take the stack:\n${findings.map((f) => `  - ${f}`).join('\n')}`, {
    hint: 'shipline changes nothing of an imported VPC: fix these in your network (or name other subnets), then run again',
  });
}

/**
 * A stack stays in the VPC it was made in: a state that records a VPC shipline made is refused beside
 * `network.vpcId`, and one that notes an imported VPC is refused without it (a VPC of the user's,
 * tagged like the stack's, would otherwise be adopted as the stack's own, and destroyed with it).
 * Checked before any step runs, provision, plan and destroy alike.
 */
export function refuseVpcMove(ctx: Pick<StepContext, 'state' | 'config'>): void {
  const network = importedNetwork(ctx.config);
  const made = ctx.state.get(KEYS.vpc)?.id;
  const imported = ctx.state.get(KEYS.imported)?.vpc;
  if (network && made !== undefined) {
    throw new ConfigError(`network.vpcId is ${network.vpcId}, but the state records the VPC ${made} shipline made for this stack`, {
      hint: 'a stack cannot move between VPCs: remove network.vpcId (and nat.mode "none") and run destroy first, then import your VPC',
    });
  }
  if (imported !== undefined && network?.vpcId !== imported) {
    throw new ConfigError(`the stack lives in the imported VPC ${imported} (the state says so), but network.vpcId is ${network ? network.vpcId : 'not set'}`, {
      hint: `a stack cannot move between VPCs: set network.vpcId back to ${imported} and run destroy first, then provision it elsewhere (if the stack is already gone, \`shipline state forget ${KEYS.imported}\`)`,
    });
  }
}

/** Noted once the stack is in the imported VPC (not in a plan): a later config without it is refused. */
export async function noteImported(ctx: StepContext, network: ImportedNetwork): Promise<void> {
  if (ctx.dryRun || ctx.state.get(KEYS.imported)?.vpc === network.vpcId) return;
  await ctx.state.record(KEYS.imported, { vpc: network.vpcId });
}

/** The VPC's IPv4 CIDR blocks (all associated ones: the subnets may be in a secondary block). */
export async function importedVpcCidrs(ctx: StepContext, network: ImportedNetwork): Promise<string[]> {
  const vpc = (await readImportedNetwork(ctx, network)).vpc;
  const associated = (vpc?.CidrBlockAssociationSet ?? []).filter((a) => a.CidrBlockState?.State === 'associated').map((a) => a.CidrBlock!);
  return associated.length > 0 ? associated : vpc?.CidrBlock ? [vpc.CidrBlock] : [];
}

/** What shipline takes as it is: a plan says so; a provision, where a no-op says one line, at debug. */
export function reportImported(ctx: StepContext, network: ImportedNetwork): void {
  ctx.log[ctx.dryRun ? 'info' : 'debug'](
    { resource: 'network.vpc', id: network.vpcId, imported: true },
    `VPC ${network.vpcId} imported with public subnets ${network.publicSubnetIds.join(', ')} and private subnets ${network.privateSubnetIds.join(', ')}: shipline makes and changes nothing of them`,
  );
}

function taskNeeds(ctx: StepContext): TaskNeeds {
  const secrets = ctx.config.environments.flatMap((env) => Object.values(settingsOf(ctx.config, env).secrets));
  const image = ctx.config.services.placeholderImage;
  const privateEcr = new RegExp(`^${ctx.accountId}\\.dkr\\.ecr\\.${ctx.config.region}\\.amazonaws\\.com(\\.cn)?/`);
  return {
    region: ctx.config.region,
    secretsManager: secrets.some((ref) => ref.includes(':secretsmanager:')),
    ssm: secrets.some((ref) => !ref.includes(':secretsmanager:')),
    exec: ctx.config.environments.some((env) => settingsOf(ctx.config, env).exec),
    outsideImage: privateEcr.test(image) ? undefined : image,
  };
}

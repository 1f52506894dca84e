// A security group whose rules are exactly the ones given: created tagged, found again by its
// tags, and on drift the extra rules revoked and the missing ones authorized (nothing else).
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  paginateDescribeNetworkInterfaces,
  paginateDescribeSecurityGroups,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  type EC2Client,
  type IpPermission,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { GONE, isGone } from '../../src/aws/gone';
import { isAwsError, unlessNotFound } from '../../src/aws/errors';
import { allItems, EC2_PAGE, firstItem } from '../../src/aws/pages';
import { EC2_NOT_FOUND, retryWhileNotFound } from '../../src/aws/consistency';
import { retryWhile, until } from '../../src/aws/wait';
import { ensure, ignoringGone, remove, type Ensured } from '../../src/reconcile';
import { isKnown, type StepContext } from '../../src/step';
import { firstForeign, foreignByParent, foreignByTags } from './owned';

/** One rule, in the shape shipline writes: a protocol, a port range, one source or destination. */
export interface Rule {
  protocol: 'tcp' | 'udp' | '-1';
  fromPort?: number;
  toPort?: number;
  cidr?: string;
  groupId?: string;
  description: string;
}

export interface SecurityGroupSpec {
  key: string;
  /** The `<stack>-<part>` name. */
  part: string;
  vpcId: string | undefined;
  description: string;
  ingress: Rule[];
  /** Undefined keeps AWS's default (all traffic out). */
  egress?: Rule[];
}

const ALL_OUT: Rule = { protocol: '-1', cidr: '0.0.0.0/0', description: '' };

const GROUP_GONE = [...GONE.ec2.securityGroup, 'InvalidGroupId.Malformed'];

// By ID only: AWS answers a read that names its groups whole (a search by tags pages: findGroupByTags).
type Describe = (input: { GroupIds: string[] }) => Promise<SecurityGroup[] | undefined>;

const describeWith = (ec2: EC2Client): Describe => async (input) =>
  (await unlessNotFound(ec2.send(new DescribeSecurityGroupsCommand(input)), ...GROUP_GONE))?.SecurityGroups;

/** The groups asked for by ID and not described yet, per client (one client per run). */
const pending = new WeakMap<EC2Client, Map<string, Array<(result: Promise<SecurityGroup | undefined>) => void>>>();

/**
 * A security group by its ID, undefined when it is gone. Groups asked for at the same moment
 * (steps that start together: the NAT's and the load balancer's) are described in one call; AWS
 * fails the whole call when one of them is gone, and only then is each asked for on its own.
 */
export function findSecurityGroup(ctx: Pick<StepContext, 'aws'>, id: string): Promise<SecurityGroup | undefined> {
  const ec2 = ctx.aws.ec2;
  let batch = pending.get(ec2);
  if (!batch) {
    const opened = new Map<string, Array<(result: Promise<SecurityGroup | undefined>) => void>>();
    pending.set(ec2, opened);
    setImmediate(() => {
      pending.delete(ec2);
      describeBatch(describeWith(ec2), opened);
    });
    batch = opened;
  }
  const waiting = batch.get(id) ?? [];
  batch.set(id, waiting);
  return new Promise((resolve) => waiting.push(resolve));
}

function describeBatch(describe: Describe, batch: Map<string, Array<(result: Promise<SecurityGroup | undefined>) => void>>): void {
  const ids = [...batch.keys()];
  const answer = (id: string, result: Promise<SecurityGroup | undefined>) => {
    // Every waiter gets the same promise: a failure reaches each of them.
    result.catch(() => undefined);
    for (const resolve of batch.get(id)!) resolve(result);
  };
  if (ids.length === 1) {
    answer(ids[0]!, describe({ GroupIds: ids }).then((groups) => groups?.[0]));
    return;
  }
  const all = describe({ GroupIds: ids });
  for (const id of ids) {
    answer(
      id,
      all.then(async (groups) => (groups ? groups.find((g) => g.GroupId === id) : (await describe({ GroupIds: [id] }))?.[0])),
    );
  }
}

/** The stack's group for `part` by its tags (in the VPC, when known), read page after page. */
function findGroupByTags(ctx: StepContext, part: string, vpcId: string | undefined): Promise<SecurityGroup | undefined> {
  const inVpc = isKnown(vpcId) ? [{ Name: 'vpc-id', Values: [vpcId] }] : [];
  const Filters = [...ctx.tags.filters(part), ...inVpc];
  return firstItem(paginateDescribeSecurityGroups({ client: ctx.aws.ec2, ...EC2_PAGE }, { Filters }), (page) => page.SecurityGroups);
}

export async function ensureSecurityGroup(ctx: StepContext, spec: SecurityGroupSpec): Promise<Ensured<SecurityGroup>> {
  const ec2 = ctx.aws.ec2;
  const wantEgress = spec.egress ?? [ALL_OUT];
  return ensure(ctx, {
    key: spec.key,
    kind: `security group ${ctx.tags.name(spec.part)}`,
    needs: [spec.vpcId],
    find: (id) => findSecurityGroup(ctx, id),
    foreign: (sg) => foreignGroup(ctx, sg, spec.vpcId),
    findByTags: () => findGroupByTags(ctx, spec.part, spec.vpcId),
    create: async () => {
      const { GroupId } = await ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: ctx.tags.name(spec.part),
          Description: spec.description,
          VpcId: spec.vpcId,
          TagSpecifications: [{ ResourceType: 'security-group', Tags: ctx.tags.list(ctx.step, spec.part) }],
        }),
      );
      // A new group has no inbound rules and AWS's default outbound one; the rules come as drift.
      return { GroupId, VpcId: spec.vpcId, IpPermissions: [], IpPermissionsEgress: toPermissions([ALL_OUT]) };
    },
    id: (sg) => sg.GroupId!,
    drift: (sg) => {
      const changes: string[] = [];
      if (!sameRules(fromPermissions(sg.IpPermissions), spec.ingress)) changes.push('ingress');
      if (!sameRules(fromPermissions(sg.IpPermissionsEgress), wantEgress)) changes.push('egress');
      return changes;
    },
    update: (sg) => applyRules(ctx, sg, spec.ingress, wantEgress),
  });
}

async function applyRules(ctx: StepContext, sg: SecurityGroup, ingress: Rule[], egress: Rule[]): Promise<void> {
  const ec2 = ctx.aws.ec2;
  const GroupId = sg.GroupId!;
  const plan = (have: Rule[], want: Rule[]) => ({
    missing: toPermissions(want.filter((r) => !have.some((h) => ruleKey(h) === ruleKey(r)))),
    extra: toPermissions(have.filter((h) => !want.some((r) => ruleKey(r) === ruleKey(h)))),
  });
  const duplicate = (e: unknown) => isAwsError(e, 'InvalidPermission.Duplicate');
  const absent = (e: unknown) => isAwsError(e, 'InvalidPermission.NotFound');
  // A group just made (and a group its rules name) may not be visible to these calls yet.
  const visible = <T>(operation: string, call: () => Promise<T>) =>
    retryWhileNotFound(ctx, `${operation} on security group ${GroupId}`, [EC2_NOT_FOUND.securityGroup], call);
  const inbound = plan(fromPermissions(sg.IpPermissions), ingress);
  const outbound = plan(fromPermissions(sg.IpPermissionsEgress), egress);
  if (inbound.missing.length) {
    await ignoringGone(() => visible('AuthorizeSecurityGroupIngress', () => ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: inbound.missing }))), duplicate);
  }
  if (inbound.extra.length) await ignoringGone(() => ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId, IpPermissions: inbound.extra })), absent);
  if (outbound.missing.length) {
    await ignoringGone(() => visible('AuthorizeSecurityGroupEgress', () => ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId, IpPermissions: outbound.missing }))), duplicate);
  }
  if (outbound.extra.length) {
    await ignoringGone(() => visible('RevokeSecurityGroupEgress', () => ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId, IpPermissions: outbound.extra }))), absent);
  }
}

/**
 * `lookUp: false`: the state is known to be intact, so a group it has no record of was never
 * made; don't look for it by its tags.
 */
export async function deleteSecurityGroup(
  ctx: StepContext,
  key: string,
  part: string,
  vpcId: string | undefined,
  options: { lookUp?: boolean } = {},
): Promise<void> {
  const ec2 = ctx.aws.ec2;
  await remove(ctx, {
    key,
    kind: `security group ${ctx.tags.name(part)}`,
    // The stack tag and the Name are specific enough when the VPC is unknown too (a lost state).
    findByTags: async () => {
      if (options.lookUp === false && ctx.state.get(key) === undefined) return undefined;
      return findGroupByTags(ctx, part, vpcId);
    },
    id: (sg) => sg.GroupId!,
    confirm: { find: (id) => findSecurityGroup(ctx, id), foreign: (sg) => foreignGroup(ctx, sg, vpcId) },
    delete: async (id) => {
      const attempt = () => ignoringGone(() => ec2.send(new DeleteSecurityGroupCommand({ GroupId: id })), isGone(GONE.ec2.securityGroup));
      try {
        return await attempt();
      } catch (error) {
        if (!isAwsError(error, 'DependencyViolation')) throw error;
      }
      // Network interfaces of what used the group (an instance, tasks, load balancer nodes) are
      // released minutes after their owner is gone, and AWS refuses the delete until then: wait
      // for them by reading, not with a refused delete every few seconds for minutes.
      await waitForInterfacesOf(ctx, id);
      await retryWhile(ctx, `security group ${id} to be free of network interfaces`, 120, ['DependencyViolation'], attempt);
    },
  });
}

async function waitForInterfacesOf(ctx: StepContext, groupId: string): Promise<void> {
  await until(ctx, `network interfaces using security group ${groupId} to be released`, 900, async () => {
    const NetworkInterfaces = await allItems(
      paginateDescribeNetworkInterfaces({ client: ctx.aws.ec2, ...EC2_PAGE }, { Filters: [{ Name: 'group-id', Values: [groupId] }] }),
      (page) => page.NetworkInterfaces,
    );
    if (NetworkInterfaces.length === 0) return { done: true, value: undefined };
    const names = NetworkInterfaces.map((n) => `${n.NetworkInterfaceId} (${n.Description || n.InterfaceType || 'no description'}, ${n.Status})`);
    return { done: false, status: `${NetworkInterfaces.length} left: ${names.slice(0, 5).join(', ')}` };
  });
}

/** The stack's tag, and (when the stack's VPC is known) in that VPC. */
function foreignGroup(ctx: StepContext, sg: SecurityGroup, vpcId: string | undefined): string | undefined {
  return firstForeign(foreignByTags(ctx, sg.Tags), isKnown(vpcId) ? foreignByParent('VPC', sg.VpcId, vpcId) : undefined);
}

function ruleKey(r: Rule): string {
  const ports = r.protocol === '-1' ? 'all' : `${r.fromPort ?? ''}-${r.toPort ?? ''}`;
  return `${r.protocol}:${ports}:${r.cidr ?? r.groupId ?? ''}`;
}

function sameRules(have: Rule[], want: Rule[]): boolean {
  const a = new Set(have.map(ruleKey));
  const b = new Set(want.map(ruleKey));
  return a.size === b.size && [...a].every((k) => b.has(k));
}

/** AWS groups sources under one permission; shipline compares them one rule per source. */
function fromPermissions(perms: IpPermission[] | undefined): Rule[] {
  return (perms ?? []).flatMap((p) => {
    const base = {
      protocol: (p.IpProtocol ?? '-1') as Rule['protocol'],
      ...(p.IpProtocol !== '-1' ? { fromPort: p.FromPort, toPort: p.ToPort } : {}),
    };
    return [
      ...(p.IpRanges ?? []).map((r) => ({ ...base, cidr: r.CidrIp, description: r.Description ?? '' })),
      ...(p.UserIdGroupPairs ?? []).map((g) => ({ ...base, groupId: g.GroupId, description: g.Description ?? '' })),
    ];
  });
}

function toPermissions(rules: Rule[]): IpPermission[] {
  return rules.map((r) => ({
    IpProtocol: r.protocol,
    ...(r.protocol !== '-1' ? { FromPort: r.fromPort, ToPort: r.toPort } : {}),
    ...(r.cidr ? { IpRanges: [{ CidrIp: r.cidr, ...(r.description ? { Description: r.description } : {}) }] } : {}),
    ...(r.groupId ? { UserIdGroupPairs: [{ GroupId: r.groupId, ...(r.description ? { Description: r.description } : {}) }] } : {}),
  }));
}

// EC2's security groups and their rules (simulated): a group per VPC and name, rules added and
// revoked one by one or by IpPermissions, a group kept while an interface or another group uses it.
import type * as EC2 from '@aws-sdk/client-ec2';
import { awsError, SandboxNotModelled } from '../../kernel/errors';
import type { Out } from '../../kernel/service';
import { Ec2Family, getRecord, pick, required, specTags, tagList } from './family';
import { applyFilters, type FilterTable } from './filters';
import { describePage } from './pages';
import type { SecurityGroupRecord, SecurityGroupRuleRecord, SubnetRecord } from './records';
import { describeRule, expandPermissions, ruleKey, toIpPermissions, toSecurityGroupRule } from './rules';

/** Inputs shared by the four Authorize/Revoke calls. */
interface RuleChangeInput {
  GroupId?: string;
  IpPermissions?: EC2.IpPermission[];
  SecurityGroupRuleIds?: string[];
  CidrIp?: string;
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  SourceSecurityGroupName?: string;
}

export class SecurityGroups extends Ec2Family {
  private readonly securityGroupFilters: FilterTable<SecurityGroupRecord> = {
    'group-id': (g) => g.id,
    'group-name': (g) => g.name,
    'vpc-id': (g) => g.vpcId,
    description: (g) => g.description,
    'owner-id': () => this.world.account,
    'ip-permission.cidr': (g) => g.ingress.map((r) => r.cidrIpv4),
    'ip-permission.ipv6-cidr': (g) => g.ingress.map((r) => r.cidrIpv6),
    'ip-permission.group-id': (g) => g.ingress.map((r) => r.referencedGroupId),
    'ip-permission.protocol': (g) => g.ingress.map((r) => r.protocol),
    'ip-permission.from-port': (g) => g.ingress.map((r) => r.fromPort),
    'ip-permission.to-port': (g) => g.ingress.map((r) => r.toPort),
    'egress.ip-permission.cidr': (g) => g.egress.map((r) => r.cidrIpv4),
    'egress.ip-permission.group-id': (g) => g.egress.map((r) => r.referencedGroupId),
    'egress.ip-permission.protocol': (g) => g.egress.map((r) => r.protocol),
    'egress.ip-permission.from-port': (g) => g.egress.map((r) => r.fromPort),
    'egress.ip-permission.to-port': (g) => g.egress.map((r) => r.toPort),
  };

  createSecurityGroup(input: EC2.CreateSecurityGroupCommandInput): Out<EC2.CreateSecurityGroupCommandOutput> {
    this.settle();
    const name = required(input.GroupName, 'groupName');
    const description = required(input.Description, 'groupDescription');
    if (!input.VpcId) throw awsError('VPCIdNotSpecified', 'No default VPC for this user');
    const vpc = getRecord(this.data.vpcs, input.VpcId, 'vpc');
    if (name.toLowerCase().startsWith('sg-')) {
      throw awsError('InvalidParameterValue', `Invalid value '${name}' for groupName. Group names may not be in the format sg-*.`);
    }
    // AWS: InvalidGroup.Reserved, "The name 'default' is reserved" (EC2 error codes page).
    if (name === 'default') throw awsError('InvalidGroup.Reserved', "The security group name 'default' is reserved");
    if (Object.values(this.data.securityGroups).some((g) => g.vpcId === vpc.id && g.name === name)) {
      throw awsError('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${vpc.id}'`);
    }
    const group: SecurityGroupRecord = {
      id: this.world.newId('sg'),
      name,
      description,
      vpcId: vpc.id,
      ingress: [],
      // Every new group may send anything anywhere until told otherwise.
      egress: [{ id: this.world.newId('sgr'), protocol: '-1', cidrIpv4: '0.0.0.0/0' }],
      tags: specTags(input.TagSpecifications, 'security-group'),
    };
    this.data.securityGroups[group.id] = group;
    return { GroupId: group.id, Tags: tagList(group.tags), SecurityGroupArn: this.securityGroupArn(group) };
  }

  describeSecurityGroups(input: EC2.DescribeSecurityGroupsCommandInput): Out<EC2.DescribeSecurityGroupsCommandOutput> {
    this.settle();
    // GroupNames only address groups of the default VPC, and the sandbox has none.
    const name = input.GroupNames?.[0];
    if (name !== undefined) throw awsError('InvalidGroup.NotFound', `The security group '${name}' does not exist in default VPC`);
    const page = describePage(this.world, pick(this.data.securityGroups, input.GroupIds, 'securityGroup'), input, { operation: 'DescribeSecurityGroups', max: 1000 }, (groups) =>
      applyFilters(groups, input.Filters, this.securityGroupFilters),
    );
    return { SecurityGroups: page.items.map((g) => this.toSecurityGroup(g)), ...page.token };
  }

  authorizeSecurityGroupIngress(input: EC2.AuthorizeSecurityGroupIngressCommandInput): Out<EC2.AuthorizeSecurityGroupIngressCommandOutput> {
    return this.authorize('ingress', input);
  }

  authorizeSecurityGroupEgress(input: EC2.AuthorizeSecurityGroupEgressCommandInput): Out<EC2.AuthorizeSecurityGroupEgressCommandOutput> {
    return this.authorize('egress', input);
  }

  revokeSecurityGroupIngress(input: EC2.RevokeSecurityGroupIngressCommandInput): Out<EC2.RevokeSecurityGroupIngressCommandOutput> {
    return this.revoke('ingress', input);
  }

  revokeSecurityGroupEgress(input: EC2.RevokeSecurityGroupEgressCommandInput): Out<EC2.RevokeSecurityGroupEgressCommandOutput> {
    return this.revoke('egress', input);
  }

  deleteSecurityGroup(input: EC2.DeleteSecurityGroupCommandInput): Out<EC2.DeleteSecurityGroupCommandOutput> {
    this.settle();
    if (!input.GroupId && input.GroupName) {
      throw awsError('InvalidGroup.NotFound', `The security group '${input.GroupName}' does not exist in default VPC`);
    }
    const group = getRecord(this.data.securityGroups, input.GroupId, 'securityGroup');
    if (group.name === 'default') throw awsError('CannotDelete', `the specified group: "${group.id}" name: "default" cannot be deleted by a user`);
    const usedByEni = Object.values(this.data.networkInterfaces).some((eni) => eni.groupIds.includes(group.id));
    const referenced = Object.values(this.data.securityGroups).some(
      (other) => other.id !== group.id && [...other.ingress, ...other.egress].some((r) => r.referencedGroupId === group.id),
    );
    if (usedByEni || referenced) throw awsError('DependencyViolation', `resource ${group.id} has a dependent object`);
    delete this.data.securityGroups[group.id];
    return { Return: true, GroupId: group.id };
  }

  private authorize(direction: 'ingress' | 'egress', input: RuleChangeInput): { Return: boolean; SecurityGroupRules: EC2.SecurityGroupRule[] } {
    this.settle();
    const group = getRecord(this.data.securityGroups, input.GroupId, 'securityGroup');
    const wanted = expandPermissions(this.requestedPermissions(input), (id) => {
      getRecord(this.data.securityGroups, id, 'securityGroup');
    });
    const existing = new Set(group[direction].map(ruleKey));
    for (const rule of wanted) {
      if (existing.has(ruleKey(rule))) throw awsError('InvalidPermission.Duplicate', `the specified rule "${describeRule(rule)}" already exists`);
      existing.add(ruleKey(rule));
    }
    const added = wanted.map((rule): SecurityGroupRuleRecord => ({ id: this.world.newId('sgr'), ...rule }));
    group[direction].push(...added);
    return { Return: true, SecurityGroupRules: added.map((r) => toSecurityGroupRule(r, group.id, direction === 'egress', this.world.account)) };
  }

  private revoke(direction: 'ingress' | 'egress', input: RuleChangeInput): Out<EC2.RevokeSecurityGroupIngressCommandOutput> {
    this.settle();
    const group = getRecord(this.data.securityGroups, input.GroupId, 'securityGroup');
    const ruleIds = input.SecurityGroupRuleIds ?? [];
    for (const id of ruleIds) {
      if (!group[direction].some((r) => r.id === id)) {
        throw awsError('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${id}' does not exist`);
      }
    }
    const wanted = input.IpPermissions || input.IpProtocol ? expandPermissions(this.requestedPermissions(input), () => undefined) : [];
    const wantedKeys = new Set(wanted.map(ruleKey));
    const unknown = wanted.filter((rule) => !group[direction].some((r) => ruleKey(r) === ruleKey(rule)));
    const revoked = group[direction].filter((r) => ruleIds.includes(r.id) || wantedKeys.has(ruleKey(r)));
    // AWS, for a non-default VPC (the sandbox has no other): one rule that does not match fails the
    // whole call with InvalidPermission.NotFound and revokes nothing (RevokeSecurityGroupIngress).
    if (revoked.length === 0 || unknown.length > 0) throw awsError('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.');
    group[direction] = group[direction].filter((r) => !revoked.includes(r));
    return {
      Return: true,
      RevokedSecurityGroupRules: revoked.map((r) => ({
        SecurityGroupRuleId: r.id,
        GroupId: group.id,
        IsEgress: direction === 'egress',
        IpProtocol: r.protocol,
        FromPort: r.fromPort ?? -1,
        ToPort: r.toPort ?? -1,
        CidrIpv4: r.cidrIpv4,
        CidrIpv6: r.cidrIpv6,
        PrefixListId: r.prefixListId,
        ReferencedGroupId: r.referencedGroupId,
        Description: r.description,
      })),
    };
  }

  /** IpPermissions, or the older single-rule form (IpProtocol, FromPort, ToPort, CidrIp). */
  private requestedPermissions(input: RuleChangeInput): EC2.IpPermission[] {
    if (input.SourceSecurityGroupName) throw new SandboxNotModelled('the sandbox does not model SourceSecurityGroupName (EC2-Classic/default VPC)');
    const legacy: EC2.IpPermission[] = input.IpProtocol
      ? [{ IpProtocol: input.IpProtocol, FromPort: input.FromPort, ToPort: input.ToPort, IpRanges: input.CidrIp ? [{ CidrIp: input.CidrIp }] : [] }]
      : [];
    return [...(input.IpPermissions ?? []), ...legacy];
  }

  private securityGroupArn(group: SecurityGroupRecord): string {
    return this.world.arn('ec2', `security-group/${group.id}`);
  }

  private toSecurityGroup(group: SecurityGroupRecord): EC2.SecurityGroup {
    const account = this.world.account;
    return {
      GroupId: group.id,
      GroupName: group.name,
      Description: group.description,
      VpcId: group.vpcId,
      OwnerId: account,
      SecurityGroupArn: this.securityGroupArn(group),
      IpPermissions: toIpPermissions(group.ingress, account),
      IpPermissionsEgress: toIpPermissions(group.egress, account),
      Tags: tagList(group.tags),
    };
  }

  /** The groups a new network interface gets: checked to exist and to be in its VPC. */
  groupsForInterface(groupIds: readonly string[], subnet: SubnetRecord): string[] {
    for (const id of groupIds) {
      const group = getRecord(this.data.securityGroups, id, 'securityGroup');
      if (group.vpcId !== subnet.vpcId) {
        throw awsError('InvalidParameter', `Security group ${group.id} and subnet ${subnet.id} belong to different networks.`);
      }
    }
    return [...new Set(groupIds)];
  }
}

// Security group rules as EC2 keeps them: a request's IpPermissions are split into single rules
// (one protocol/port range, one peer), compared without their description, and grouped back into
// IpPermissions by protocol and ports when described.
import type { IpPermission, SecurityGroupRule } from '@aws-sdk/client-ec2';
import type { SecurityGroupRuleRecord } from './records';
import { awsError } from '../../kernel/errors';

export type RuleSpec = Omit<SecurityGroupRuleRecord, 'id'>;

const PROTOCOL_NUMBERS: Record<string, string> = { '1': 'icmp', '6': 'tcp', '17': 'udp', '58': 'icmpv6' };
const PROTOCOL_NAMES = ['tcp', 'udp', 'icmp', 'icmpv6'];

function normalizeProtocol(raw: string | undefined): string {
  if (raw === undefined || raw === '') throw awsError('MissingParameter', 'The request must contain the parameter ipProtocol');
  const protocol = raw.toLowerCase();
  if (protocol === '-1' || protocol === 'all') return '-1';
  if (PROTOCOL_NAMES.includes(protocol)) return protocol;
  if (/^\d{1,3}$/.test(protocol) && Number(protocol) <= 255) return PROTOCOL_NUMBERS[String(Number(protocol))] ?? String(Number(protocol));
  throw awsError('InvalidParameterValue', `Invalid value '${raw}' for IP protocol. Unknown protocol.`);
}

function portRange(protocol: string, from: number | undefined, to: number | undefined): { fromPort?: number; toPort?: number } {
  if (protocol === 'tcp' || protocol === 'udp') {
    if (from === undefined || to === undefined) {
      throw awsError('InvalidParameterValue', "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange");
    }
    if (from < 0 || to > 65535 || from > to) {
      throw awsError('InvalidParameterValue', `Invalid value 'Invalid port range ${from}-${to}' for portRange`);
    }
    return { fromPort: from, toPort: to };
  }
  if (protocol === 'icmp' || protocol === 'icmpv6') return { fromPort: from ?? -1, toPort: to ?? -1 };
  return {};
}

/**
 * The single rules a request asks for. `checkGroup` is called for every referenced group (it
 * throws InvalidGroup.NotFound for an unknown one when authorizing; revoking passes a no-op).
 */
export function expandPermissions(permissions: readonly IpPermission[], checkGroup: (groupId: string) => void): RuleSpec[] {
  const rules: RuleSpec[] = [];
  for (const permission of permissions) {
    const protocol = normalizeProtocol(permission.IpProtocol);
    const base = { protocol, ...portRange(protocol, permission.FromPort, permission.ToPort) };
    const before = rules.length;
    for (const range of permission.IpRanges ?? []) rules.push({ ...base, cidrIpv4: range.CidrIp, description: range.Description });
    for (const range of permission.Ipv6Ranges ?? []) rules.push({ ...base, cidrIpv6: range.CidrIpv6, description: range.Description });
    for (const list of permission.PrefixListIds ?? []) rules.push({ ...base, prefixListId: list.PrefixListId, description: list.Description });
    for (const pair of permission.UserIdGroupPairs ?? []) {
      if (!pair.GroupId) throw awsError('MissingParameter', 'UserIdGroupPairs need a GroupId in a VPC');
      checkGroup(pair.GroupId);
      rules.push({ ...base, referencedGroupId: pair.GroupId, description: pair.Description });
    }
    if (rules.length === before) {
      throw awsError('MissingParameter', 'Each IpPermission needs a source or destination (IpRanges, Ipv6Ranges, PrefixListIds or UserIdGroupPairs)');
    }
  }
  return rules;
}

function peerOf(rule: RuleSpec): string {
  return rule.cidrIpv4 ?? rule.cidrIpv6 ?? rule.referencedGroupId ?? rule.prefixListId ?? '';
}

/** Two rules are the same rule when they differ at most in their description. */
export function ruleKey(rule: RuleSpec): string {
  return [rule.protocol, rule.fromPort ?? '', rule.toPort ?? '', peerOf(rule)].join('|');
}

/** AWS's wording for a rule in InvalidPermission messages. */
export function describeRule(rule: RuleSpec): string {
  const protocol = rule.protocol === '-1' ? 'ALL' : rule.protocol.toUpperCase();
  const ports = rule.fromPort === undefined ? '' : `, from port: ${rule.fromPort}, to port: ${rule.toPort}`;
  return `peer: ${peerOf(rule)}, ${protocol}${ports}, ALLOW`;
}

/** Rules grouped back into AWS's IpPermissions shape (one entry per protocol and port range). */
export function toIpPermissions(rules: readonly RuleSpec[], account: string): IpPermission[] {
  const byRange = new Map<string, Required<Pick<IpPermission, 'IpRanges' | 'Ipv6Ranges' | 'PrefixListIds' | 'UserIdGroupPairs'>> & IpPermission>();
  for (const rule of rules) {
    const rangeKey = [rule.protocol, rule.fromPort ?? '', rule.toPort ?? ''].join('|');
    let permission = byRange.get(rangeKey);
    if (!permission) {
      permission = {
        IpProtocol: rule.protocol,
        FromPort: rule.fromPort,
        ToPort: rule.toPort,
        IpRanges: [],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [],
      };
      byRange.set(rangeKey, permission);
    }
    const Description = rule.description;
    if (rule.cidrIpv4 !== undefined) permission.IpRanges.push({ CidrIp: rule.cidrIpv4, Description });
    if (rule.cidrIpv6 !== undefined) permission.Ipv6Ranges.push({ CidrIpv6: rule.cidrIpv6, Description });
    if (rule.prefixListId !== undefined) permission.PrefixListIds.push({ PrefixListId: rule.prefixListId, Description });
    if (rule.referencedGroupId !== undefined) permission.UserIdGroupPairs.push({ GroupId: rule.referencedGroupId, UserId: account, Description });
  }
  return [...byRange.values()];
}

/** One stored rule in the SecurityGroupRule shape (Authorize… answers with these). */
export function toSecurityGroupRule(rule: SecurityGroupRuleRecord, groupId: string, isEgress: boolean, account: string): SecurityGroupRule {
  return {
    SecurityGroupRuleId: rule.id,
    GroupId: groupId,
    GroupOwnerId: account,
    IsEgress: isEgress,
    IpProtocol: rule.protocol,
    FromPort: rule.fromPort ?? -1,
    ToPort: rule.toPort ?? -1,
    CidrIpv4: rule.cidrIpv4,
    CidrIpv6: rule.cidrIpv6,
    PrefixListId: rule.prefixListId,
    ReferencedGroupInfo: rule.referencedGroupId ? { GroupId: rule.referencedGroupId, UserId: account } : undefined,
    Description: rule.description,
  };
}

// ELBv2 (simulated): load balancers, their network interfaces in the VPC and their attributes.
//
// - CreateLoadBalancer (Type application only): Name ≤ 32 chars of letters, digits and hyphens, not
//   starting or ending with a hyphen nor starting with `internal-` (ValidationError). Subnets (or
//   SubnetMappings) must exist in the EC2 model (SubnetNotFound), be ≥ 2 in different AZs
//   (ValidationError), one per AZ and in one VPC (InvalidConfigurationRequest). SecurityGroups must
//   exist in that VPC (InvalidSecurityGroup); none given → the VPC's default group. The same name
//   with the same subnets, groups, scheme, type and IP address type returns the existing load
//   balancer (AWS's idempotency); different settings → DuplicateLoadBalancerName. State
//   `provisioning` in the create response, `active` once `elbv2.loadBalancer.active` has elapsed.
//   DNSName `<name>-<n>.<region>.elb.amazonaws.com` (`internal-` prefix when internal), the
//   region's CanonicalHostedZoneId. One requester-managed ENI per subnet goes into the VPC through
//   the EC2 model (`ELB app/<name>/<id>`); SetSubnets / SetSecurityGroups replace them.
// - DescribeLoadBalancers: all; LoadBalancerArns or Names, any unknown → LoadBalancerNotFound.
//   ELBv2's describes page (Marker / PageSize 1–400, 400 unset, NextMarker; a bad marker or size →
//   ValidationError) and take at most 20 names or ARNs (ValidationError).
// - DeleteLoadBalancer: deletes its listeners and rules at once and releases its ENIs; the load
//   balancer itself is still described (as active) until `elbv2.loadBalancer.deleted` has
//   elapsed — in instant mode it is gone at the next read. Target groups stay. An unknown ARN
//   succeeds (AWS: "If the load balancer does not exist or has already been deleted, the call
//   succeeds"); deletion protection on → OperationNotPermitted.
// - Load balancer attributes: AWS's ALB defaults (idle_timeout.timeout_seconds 60,
//   deletion_protection.enabled false, routing.http2.enabled true …); an unknown key or a bad
//   value → ValidationError. Both calls return every attribute.
import {
  DuplicateLoadBalancerNameException,
  InvalidConfigurationRequestException,
  InvalidSecurityGroupException,
  LoadBalancerNotFoundException,
  OperationNotPermittedException,
  SubnetNotFoundException,
  type AvailabilityZone,
  type CreateLoadBalancerCommandInput,
  type CreateLoadBalancerCommandOutput,
  type DeleteLoadBalancerCommandInput,
  type DeleteLoadBalancerCommandOutput,
  type DescribeLoadBalancerAttributesCommandInput,
  type DescribeLoadBalancerAttributesCommandOutput,
  type DescribeLoadBalancersCommandInput,
  type DescribeLoadBalancersCommandOutput,
  type LoadBalancer,
  type ModifyLoadBalancerAttributesCommandInput,
  type ModifyLoadBalancerAttributesCommandOutput,
  type SetSecurityGroupsCommandInput,
  type SetSecurityGroupsCommandOutput,
  type SetSubnetsCommandInput,
  type SetSubnetsCommandOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsError } from '../../kernel/errors';
import { type Out } from '../../kernel/service';
import { type Zone, type LoadBalancerRecord, ARN_SERVICE } from './records';
import { elbError, validationError, ignoreNotFound, checkName, checkArn, MAX_DESCRIBED } from './checks';
import { attributeList, modifiedAttributes } from './attributes';
import { Elbv2Model } from './model';

const ELB_REQUESTER_ID = 'amazon-elb';

/** Route 53 hosted zone of Application Load Balancers, per region. */
const ALB_HOSTED_ZONES: Record<string, string> = {
  'us-east-1': 'Z35SXDOTRQ7X7K',
  'us-east-2': 'Z3AADJGX6KTTL2',
  'us-west-1': 'Z368ELLRRE2KJ0',
  'us-west-2': 'Z1H1FL5HABSF5',
  'eu-west-1': 'Z32O12XQLNTSW2',
  'eu-west-2': 'ZHURV8PSTC4K8',
  'eu-west-3': 'Z3Q77PNBQS71R4',
  'eu-central-1': 'Z215JYRZR1TBD5',
  'ap-northeast-1': 'Z14GRHDCWA56QT',
  'ap-southeast-1': 'Z1LMS91P8CMLE5',
  'ap-southeast-2': 'Z1GM3OXH4ZPM65',
};

const LOAD_BALANCER_ATTRIBUTES: Readonly<Record<string, string>> = {
  'access_logs.s3.enabled': 'false',
  'access_logs.s3.bucket': '',
  'access_logs.s3.prefix': '',
  'client_keep_alive.seconds': '3600',
  'connection_logs.s3.enabled': 'false',
  'connection_logs.s3.bucket': '',
  'connection_logs.s3.prefix': '',
  'deletion_protection.enabled': 'false',
  'idle_timeout.timeout_seconds': '60',
  'load_balancing.cross_zone.enabled': 'true',
  'routing.http.desync_mitigation_mode': 'defensive',
  'routing.http.drop_invalid_header_fields.enabled': 'false',
  'routing.http.preserve_host_header.enabled': 'false',
  'routing.http.x_amzn_tls_version_and_cipher_suite.enabled': 'false',
  'routing.http.xff_client_port.enabled': 'false',
  'routing.http.xff_header_processing.mode': 'append',
  'routing.http2.enabled': 'true',
  'waf.fail_open.enabled': 'false',
  'zonal_shift.config.enabled': 'false',
};

export abstract class Elbv2LoadBalancers extends Elbv2Model {
  createLoadBalancer(input: CreateLoadBalancerCommandInput): Out<CreateLoadBalancerCommandOutput> {
    this.settle();
    const name = input.Name ?? '';
    checkName(name, 'Load balancer');
    if (name.startsWith('internal-')) throw validationError(`Load balancer name '${name}' cannot begin with 'internal-'`);
    if ((input.Type ?? 'application') !== 'application') {
      throw awsError('SandboxNotModelled', `the sandbox models only application load balancers, not '${input.Type}'`);
    }
    const scheme = input.Scheme ?? 'internet-facing';
    const ipAddressType = input.IpAddressType ?? 'ipv4';
    const subnetIds = input.SubnetMappings?.map((m) => m.SubnetId ?? '') ?? input.Subnets ?? [];
    const network = this.checkSubnets(subnetIds);
    const securityGroups = this.checkSecurityGroups(input.SecurityGroups, network.vpcId);

    const existing = Object.values(this.data.loadBalancers).find((lb) => lb.name === name);
    if (existing) {
      const same =
        existing.deletedAt === undefined &&
        existing.scheme === scheme &&
        existing.ipAddressType === ipAddressType &&
        sameSet(existing.zones.map((z) => z.subnetId), subnetIds) &&
        sameSet(existing.securityGroups, securityGroups);
      if (!same) {
        throw elbError(DuplicateLoadBalancerNameException, `A load balancer with the same name '${name}' exists, but with different settings`);
      }
      return { LoadBalancers: [this.describeLoadBalancer(existing)] };
    }

    const id = this.hexId();
    const arn = this.world.arn(ARN_SERVICE, `loadbalancer/app/${name}/${id}`);
    const lb: LoadBalancerRecord = {
      arn,
      name,
      scheme,
      ipAddressType,
      vpcId: network.vpcId,
      zones: network.zones,
      securityGroups,
      dnsName: `${scheme === 'internal' ? 'internal-' : ''}${name}-${100_000_000 + this.world.idCounter}.${this.world.region}.elb.amazonaws.com`,
      createdTime: this.world.nowDate().getTime(),
      activeAt: this.world.readyAt('elbv2.loadBalancer.active'),
      eniIds: [],
      attributes: { ...LOAD_BALANCER_ATTRIBUTES },
      tags: this.checkedTags({}, input.Tags),
    };
    lb.eniIds = this.attachEnis(lb);
    this.data.loadBalancers[arn] = lb;
    // The create response always shows the load balancer still provisioning.
    return { LoadBalancers: [{ ...this.describeLoadBalancer(lb), State: { Code: 'provisioning' } }] };
  }

  describeLoadBalancers(input: DescribeLoadBalancersCommandInput): Out<DescribeLoadBalancersCommandOutput> {
    this.settle();
    if (input.LoadBalancerArns?.length && input.Names?.length) {
      throw validationError('Load balancer names and load balancer ARNs cannot be specified at the same time');
    }
    if ((input.LoadBalancerArns?.length ?? 0) > MAX_DESCRIBED || (input.Names?.length ?? 0) > MAX_DESCRIBED) {
      throw validationError(`You cannot describe more than '${MAX_DESCRIBED}' load balancers at a time`);
    }
    const all = Object.values(this.data.loadBalancers);
    let found = all;
    if (input.LoadBalancerArns?.length) {
      for (const arn of input.LoadBalancerArns) checkArn(arn, 'loadbalancer');
      found = input.LoadBalancerArns.map((arn) => this.data.loadBalancers[arn]).filter((lb) => lb !== undefined);
      if (found.length < input.LoadBalancerArns.length) throw elbError(LoadBalancerNotFoundException, 'One or more load balancers not found');
    } else if (input.Names?.length) {
      const names = input.Names;
      const missing = names.filter((n) => !all.some((lb) => lb.name === n));
      if (missing.length > 0) throw elbError(LoadBalancerNotFoundException, `Load balancers '[${missing.join(', ')}]' not found`);
      found = names.map((n) => all.find((lb) => lb.name === n)).filter((lb) => lb !== undefined);
    }
    const { items, NextMarker } = this.page('DescribeLoadBalancers', found, input, [input.LoadBalancerArns, input.Names]);
    return { LoadBalancers: items.map((lb) => this.describeLoadBalancer(lb)), ...(NextMarker ? { NextMarker } : {}) };
  }

  deleteLoadBalancer(input: DeleteLoadBalancerCommandInput): Out<DeleteLoadBalancerCommandOutput> {
    this.settle();
    const arn = input.LoadBalancerArn ?? '';
    checkArn(arn, 'loadbalancer');
    const lb = this.data.loadBalancers[arn];
    if (!lb || lb.deletedAt !== undefined) return {};
    if (lb.attributes['deletion_protection.enabled'] === 'true') {
      throw elbError(OperationNotPermittedException, `Load balancer '${arn}' cannot be deleted because deletion protection is enabled`);
    }
    for (const listener of this.listenersOf(arn)) this.removeListener(listener);
    for (const eniId of lb.eniIds) this.peers.ec2.releaseServiceEni(eniId, 'ec2.eni.elb.released');
    lb.eniIds = [];
    lb.deletedAt = this.world.readyAt('elbv2.loadBalancer.deleted');
    return {};
  }

  setSecurityGroups(input: SetSecurityGroupsCommandInput): Out<SetSecurityGroupsCommandOutput> {
    this.settle();
    const lb = this.getLoadBalancer(input.LoadBalancerArn);
    if (!input.SecurityGroups?.length) throw validationError('At least one security group must be specified for an application load balancer');
    lb.securityGroups = this.checkSecurityGroups(input.SecurityGroups, lb.vpcId);
    this.replaceEnis(lb);
    return { SecurityGroupIds: [...lb.securityGroups] };
  }

  setSubnets(input: SetSubnetsCommandInput): Out<SetSubnetsCommandOutput> {
    this.settle();
    const lb = this.getLoadBalancer(input.LoadBalancerArn);
    const network = this.checkSubnets(input.SubnetMappings?.map((m) => m.SubnetId ?? '') ?? input.Subnets ?? []);
    if (network.vpcId !== lb.vpcId) {
      throw elbError(InvalidConfigurationRequestException, `The subnets must belong to the load balancer's VPC '${lb.vpcId}'`);
    }
    lb.zones = network.zones;
    this.replaceEnis(lb);
    return { AvailabilityZones: this.availabilityZones(lb), IpAddressType: lb.ipAddressType };
  }

  describeLoadBalancerAttributes(input: DescribeLoadBalancerAttributesCommandInput): Out<DescribeLoadBalancerAttributesCommandOutput> {
    this.settle();
    const lb = this.getLoadBalancer(input.LoadBalancerArn);
    return { Attributes: attributeList(lb.attributes) };
  }

  modifyLoadBalancerAttributes(input: ModifyLoadBalancerAttributesCommandInput): Out<ModifyLoadBalancerAttributesCommandOutput> {
    this.settle();
    const lb = this.getLoadBalancer(input.LoadBalancerArn);
    lb.attributes = modifiedAttributes(lb.attributes, input.Attributes, 'Load balancer');
    return { Attributes: attributeList(lb.attributes) };
  }

  /** The live load balancer answering at a DNS name, with its canonical zone (Route 53's alias targets). */
  loadBalancerByDnsName(dnsName: string): { arn: string; canonicalHostedZoneId: string } | undefined {
    this.settle();
    const lb = Object.values(this.data.loadBalancers).find((l) => l.deletedAt === undefined && l.dnsName.toLowerCase() === dnsName.toLowerCase());
    return lb && { arn: lb.arn, canonicalHostedZoneId: ALB_HOSTED_ZONES[this.world.region] ?? 'Z0SANDBOXALBZONE' };
  }

  private describeLoadBalancer(lb: LoadBalancerRecord): LoadBalancer {
    return {
      LoadBalancerArn: lb.arn,
      DNSName: lb.dnsName,
      CanonicalHostedZoneId: ALB_HOSTED_ZONES[this.world.region] ?? 'Z0SANDBOXALBZONE',
      CreatedTime: new Date(lb.createdTime),
      LoadBalancerName: lb.name,
      Scheme: lb.scheme,
      VpcId: lb.vpcId,
      State: { Code: lb.deletedAt !== undefined || this.world.isPast(lb.activeAt) ? 'active' : 'provisioning' },
      Type: 'application',
      AvailabilityZones: this.availabilityZones(lb),
      SecurityGroups: [...lb.securityGroups],
      IpAddressType: lb.ipAddressType,
    };
  }

  private availabilityZones(lb: LoadBalancerRecord): AvailabilityZone[] {
    return lb.zones.map((z) => ({ ZoneName: z.zoneName, SubnetId: z.subnetId, LoadBalancerAddresses: [] }));
  }

  private attachEnis(lb: LoadBalancerRecord): string[] {
    const id = lb.arn.slice(lb.arn.lastIndexOf('/') + 1);
    return lb.zones.map((zone) =>
      this.peers.ec2.attachServiceEni({
        subnetId: zone.subnetId,
        groupIds: [...lb.securityGroups],
        description: `ELB app/${lb.name}/${id}`,
        requesterId: ELB_REQUESTER_ID,
        publicIp: lb.scheme === 'internet-facing',
      }),
    );
  }

  private replaceEnis(lb: LoadBalancerRecord): void {
    for (const eniId of lb.eniIds) this.peers.ec2.releaseServiceEni(eniId, 'ec2.eni.elb.released');
    lb.eniIds = this.attachEnis(lb);
  }

  /** Subnets as the EC2 model knows them: ≥ 2, each in its own AZ, all in one VPC. */
  private checkSubnets(subnetIds: readonly string[]): { vpcId: string; zones: Zone[] } {
    const subnets = subnetIds.map((id) => {
      const subnet = this.findSubnet(id);
      if (!subnet) throw elbError(SubnetNotFoundException, `The subnet ID '${id}' is not valid`);
      return subnet;
    });
    const zones = new Set(subnets.map((s) => s.availabilityZone));
    if (zones.size < 2) throw validationError('At least two subnets in two different Availability Zones must be specified');
    if (zones.size < subnets.length) {
      throw elbError(InvalidConfigurationRequestException, 'A load balancer cannot be attached to multiple subnets in the same Availability Zone');
    }
    const vpcIds = new Set(subnets.map((s) => s.vpcId));
    if (vpcIds.size > 1) throw elbError(InvalidConfigurationRequestException, 'All subnets must belong to the same VPC');
    return {
      vpcId: subnets[0]?.vpcId ?? '',
      zones: subnets.map((s) => ({ subnetId: s.subnetId, zoneName: s.availabilityZone })),
    };
  }

  /** Security groups of the VPC; none given → the VPC's default group, as AWS does. */
  private checkSecurityGroups(groupIds: readonly string[] | undefined, vpcId: string): string[] {
    if (!groupIds?.length) {
      const fallback = this.defaultSecurityGroup(vpcId);
      return fallback ? [fallback] : [];
    }
    for (const id of groupIds) {
      const group = this.findSecurityGroup(id);
      if (!group || group.vpcId !== vpcId) throw elbError(InvalidSecurityGroupException, `Security group '${id}' does not exist in VPC '${vpcId}'`);
    }
    return [...new Set(groupIds)];
  }

  // ==== The EC2 model, read through its own API =================================================

  private findSubnet(subnetId: string): { subnetId: string; vpcId: string; availabilityZone: string } | undefined {
    const subnet = ignoreNotFound(() => this.peers.ec2.describeSubnets({ SubnetIds: [subnetId] }).Subnets?.[0]);
    if (!subnet?.VpcId || !subnet.AvailabilityZone) return undefined;
    return { subnetId, vpcId: subnet.VpcId, availabilityZone: subnet.AvailabilityZone };
  }

  private findSecurityGroup(groupId: string): { vpcId: string } | undefined {
    const group = ignoreNotFound(() => this.peers.ec2.describeSecurityGroups({ GroupIds: [groupId] }).SecurityGroups?.[0]);
    return group?.VpcId ? { vpcId: group.VpcId } : undefined;
  }

  private defaultSecurityGroup(vpcId: string): string | undefined {
    const groups = ignoreNotFound(
      () =>
        this.peers.ec2.describeSecurityGroups({
          Filters: [
            { Name: 'vpc-id', Values: [vpcId] },
            { Name: 'group-name', Values: ['default'] },
          ],
        }).SecurityGroups,
    );
    return groups?.find((g) => g.VpcId === vpcId && g.GroupName === 'default')?.GroupId;
  }
}

// ---- Pure helpers --------------------------------------------------------------------------------

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

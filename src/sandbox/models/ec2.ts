// EC2 (simulated): the network pieces shipline makes (VPC, subnets, internet gateway, route tables,
// security groups, Elastic IPs, NAT gateways), the instances of a NAT instance, the AMIs it looks
// up, and the network interfaces other services put into a VPC. Behaviour is specified in
// src/sandbox/README.md. Slow states move on lazily: `settle()` runs at the start of every call and
// compares the simulated clock with the time each transition is due, so there are no timers and a
// snapshot carries pending transitions along.
import type * as EC2 from '@aws-sdk/client-ec2';
import { applyFilters, type FilterTable } from './ec2-filters';
import { cidrContains, cidrSize, cidrsOverlap, intToIp, ipToInt, nextFreeAddress, parseCidr, RESERVED_PER_SUBNET, type Cidr } from './ec2-net';
import {
  seedImages,
  type AddressRecord,
  type Architecture,
  type Ec2Data,
  type ImageRecord,
  type InstanceRecord,
  type InstanceState,
  type InternetGatewayRecord,
  type NatGatewayRecord,
  type NetworkInterfaceRecord,
  type RouteRecord,
  type RouteTableRecord,
  type SecurityGroupRecord,
  type SecurityGroupRuleRecord,
  type SubnetRecord,
  type VpcRecord,
} from './ec2-records';
import { NOT_FOUND, TAGGABLE_PREFIXES, type Kind } from './ec2-ids';
import { describeRule, expandPermissions, ruleKey, toIpPermissions, toSecurityGroupRule } from './ec2-rules';
// A cycle (sandbox.ts builds this service), harmless: the class is only used when a call runs.
import { awsError, SandboxNotModelled } from '../kernel/errors';
import { type InventoryItem, type Out, SandboxService } from '../kernel/service';
import { type Tags, tagsFromList, tagsToList } from '../kernel/tags';
import type { SandboxWorld } from '../kernel/world';

export type { Ec2Data } from './ec2-records';

// ---------------------------------------------------------------------------------------------
// Shared helpers: lookups with AWS's NotFound codes (ec2-ids.ts), tags, idempotency tokens.

function notFound(kind: Kind, ids: readonly string[]): Error {
  const { code, what } = NOT_FOUND[kind];
  return ids.length === 1
    ? awsError(code, `The ${what} '${ids[0]}' does not exist`)
    : awsError(code, `The ${what}s '${ids.join(', ')}' do not exist`);
}

function required<T>(value: T | undefined, param: string): T {
  if (value === undefined || value === null || value === '') throw awsError('MissingParameter', `The request must contain the parameter ${param}`);
  return value;
}

/** One record by ID: MissingParameter without an ID, the family's NotFound code for an unknown one. */
function getRecord<R>(collection: Record<string, R>, id: string | undefined, kind: Kind): R {
  const key = required(id, NOT_FOUND[kind].param);
  const record = collection[key];
  if (!record) throw notFound(kind, [key]);
  return record;
}

/** What a Describe call starts from: the IDs it names (all must exist), or every record. */
function pick<R>(collection: Record<string, R>, ids: readonly string[] | undefined, kind: Kind): R[] {
  if (!ids || ids.length === 0) return Object.values(collection);
  const missing = ids.filter((id) => !collection[id]);
  if (missing.length > 0) throw notFound(kind, missing);
  return [...new Set(ids)].map((id) => collection[id] as R);
}

/** Tags as EC2 lists them: absent when there are none. */
function tagList(tags: Tags): EC2.Tag[] | undefined {
  const list = tagsToList(tags);
  return list.length > 0 ? list : undefined;
}

function checkedTags(tags: Tags): Tags {
  if (Object.keys(tags).length > 50) throw awsError('TagLimitExceeded', 'The maximum number of Tags for a resource has been reached.');
  for (const key of Object.keys(tags)) {
    if (key.toLowerCase().startsWith('aws:')) throw awsError('InvalidParameterValue', "Tag keys starting with 'aws:' are reserved for internal use");
    if (key.length === 0 || key.length > 128) throw awsError('InvalidParameterValue', `Tag key '${key}' must be 1 to 128 characters long`);
  }
  return tags;
}

/** Tags per resource type from TagSpecifications; a type the operation cannot tag is refused. */
function tagsBySpec(specs: readonly EC2.TagSpecification[] | undefined, allowed: readonly string[]): Record<string, Tags> {
  const byType: Record<string, Tags> = {};
  for (const spec of specs ?? []) {
    const type = spec.ResourceType ?? '';
    if (!allowed.includes(type)) throw awsError('InvalidParameterValue', `'${type}' is not a valid taggable resource type for this operation.`);
    if (byType[type]) throw awsError('InvalidParameterValue', 'The same resource type may not be specified more than once in tag specifications');
    byType[type] = checkedTags(tagsFromList(spec.Tags));
  }
  return byType;
}

function specTags(specs: readonly EC2.TagSpecification[] | undefined, resourceType: string): Tags {
  return tagsBySpec(specs, [resourceType])[resourceType] ?? {};
}

/** A stable rendering of a request, to tell whether a ClientToken is reused with other parameters. */
function fingerprint(input: object): string {
  const canonical = (value: unknown): string => {
    if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
    if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(record[k])}`).join(',')}}`;
    }
    return JSON.stringify(value) ?? 'null';
  };
  const { ClientToken: _token, DryRun: _dryRun, ...rest } = input as Record<string, unknown>;
  return canonical(rest);
}

/** Graviton families (t4g, m7g, c6gn, r8gd …) and a1 are arm64; everything else here is x86_64. */
export function instanceTypeArchitecture(instanceType: string): Architecture {
  return /^(a1|[a-z]+\d+g[a-z-]*)\./.test(instanceType) ? 'arm64' : 'x86_64';
}

/** eu-west-3 → euw3, ap-southeast-2 → apse2: the prefix of AWS's zone IDs. */
function regionCode(region: string): string {
  const [area = '', direction = '', number = ''] = region.split('-');
  const short = direction.replace('north', 'n').replace('south', 's').replace('east', 'e').replace('west', 'w').replace('central', 'c');
  return `${area}${short}${number}`;
}

const INSTANCE_STATE_CODES: Record<InstanceState, number> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 };
const ZONE_LETTERS = ['a', 'b', 'c'];
const PUBLIC_IP_BASE = ipToInt('15.236.0.0') ?? 0;

function noFreeAddress(subnetId: string): Error {
  return awsError('InsufficientFreeAddressesInSubnet', `There are not enough free addresses in subnet '${subnetId}' to satisfy the requested number of instances.`);
}

function dependencyViolation(noun: string, id: string): Error {
  return awsError('DependencyViolation', `The ${noun} '${id}' has dependencies and cannot be deleted.`);
}

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

export class Ec2Sandbox extends SandboxService<Ec2Data> {
  readonly service = 'ec2' as const;

  constructor(world: SandboxWorld, data: Ec2Data) {
    // A snapshot saved before a collection existed (`--sandbox` keeps them on disk) still loads.
    super(world, { ...Ec2Sandbox.empty(), ...data });
  }

  static empty(): Ec2Data {
    return {
      vpcs: {},
      subnets: {},
      internetGateways: {},
      routeTables: {},
      securityGroups: {},
      images: seedImages(),
      instances: {},
      addresses: {},
      natGateways: {},
      networkInterfaces: {},
      clientTokens: {},
      publicIpCounter: 0,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Time: slow transitions, applied when their time has come (at the start of every call).

  private settle(): void {
    const { world, data } = this;
    for (const instance of Object.values(data.instances)) {
      if (!world.isPast(instance.readyAt)) continue;
      if (instance.state === 'pending') instance.state = 'running';
      else if (instance.state === 'stopping') instance.state = 'stopped';
      else if (instance.state === 'shutting-down') {
        instance.state = 'terminated';
        this.removeNetworkInterface(instance.networkInterfaceId);
      }
    }
    for (const nat of Object.values(data.natGateways)) {
      if (!world.isPast(nat.readyAt)) continue;
      if (nat.state === 'pending' && nat.failure) {
        nat.state = 'failed';
        this.removeNetworkInterface(nat.networkInterfaceId);
      } else if (nat.state === 'pending') nat.state = 'available';
      else if (nat.state === 'deleting') {
        nat.state = 'deleted';
        nat.deleteTime = this.nowIso();
        this.removeNetworkInterface(nat.networkInterfaceId);
      }
    }
    for (const eni of Object.values(data.networkInterfaces)) {
      const released = eni.releaseAt !== undefined && world.isPast(eni.releaseAt);
      const doneLingering = eni.lingerReads !== undefined && eni.lingerReads <= 0;
      if (released || doneLingering) this.removeNetworkInterface(eni.id);
    }
  }

  private nowIso(): string {
    return this.world.nowDate().toISOString();
  }

  // -------------------------------------------------------------------------------------------
  // Tags

  createTags(input: EC2.CreateTagsCommandInput): Out<EC2.CreateTagsCommandOutput> {
    this.settle();
    const tags = checkedTags(tagsFromList(required(input.Tags, 'tagSet')));
    const targets = required(input.Resources, 'resourceIdSet').map((id) => this.taggable(id));
    for (const target of targets) target.record.tags = checkedTags({ ...target.record.tags, ...tags });
    return {};
  }

  deleteTags(input: EC2.DeleteTagsCommandInput): Out<EC2.DeleteTagsCommandOutput> {
    this.settle();
    const targets = required(input.Resources, 'resourceIdSet').map((id) => this.taggable(id));
    for (const { record } of targets) {
      if (!input.Tags) record.tags = {};
      for (const tag of input.Tags ?? []) {
        // A tag given with a value is deleted only if the value matches (an empty string included).
        if (tag.Key !== undefined && (tag.Value === undefined || record.tags[tag.Key] === tag.Value)) delete record.tags[tag.Key];
      }
    }
    return {};
  }

  describeTags(input: EC2.DescribeTagsCommandInput): Out<EC2.DescribeTagsCommandOutput> {
    this.settle();
    // One entry per tag; `tags` stays empty because DescribeTags filters by key/value, not tag:….
    type Entry = { tags: Tags; resourceId: string; resourceType: string; key: string; value: string };
    const entries: Entry[] = [];
    for (const { kind, type } of Object.values(TAGGABLE_PREFIXES)) {
      for (const [resourceId, record] of Object.entries(this.collection(kind))) {
        for (const [key, value] of Object.entries(record.tags)) {
          entries.push({ tags: {}, resourceId, resourceType: type, key, value });
        }
      }
    }
    const table: FilterTable<Entry> = {
      'resource-id': (e) => e.resourceId,
      'resource-type': (e) => e.resourceType,
      key: (e) => e.key,
      value: (e) => e.value,
    };
    return {
      Tags: applyFilters(entries, input.Filters, table).map((e) => ({
        ResourceId: e.resourceId,
        ResourceType: e.resourceType as EC2.ResourceType,
        Key: e.key,
        Value: e.value,
      })),
    };
  }

  private collection(kind: Kind): Record<string, { tags: Tags }> {
    const d = this.data;
    const byKind: Record<Kind, Record<string, { tags: Tags }>> = {
      vpc: d.vpcs,
      subnet: d.subnets,
      internetGateway: d.internetGateways,
      routeTable: d.routeTables,
      securityGroup: d.securityGroups,
      image: d.images,
      instance: d.instances,
      networkInterface: d.networkInterfaces,
      address: d.addresses,
      natGateway: d.natGateways,
    };
    return byKind[kind];
  }

  private taggable(id: string): { record: { tags: Tags } } {
    const prefix = id.slice(0, id.lastIndexOf('-'));
    const entry = TAGGABLE_PREFIXES[prefix];
    if (!entry) throw awsError('InvalidID', `The ID '${id}' is not valid`);
    return { record: getRecord(this.collection(entry.kind), id, entry.kind) };
  }

  // -------------------------------------------------------------------------------------------
  // Availability zones: <region>a, b, c.

  private zones(): Array<{ name: string; id: string }> {
    return ZONE_LETTERS.map((letter, i) => ({ name: `${this.world.region}${letter}`, id: `${regionCode(this.world.region)}-az${i + 1}` }));
  }

  describeAvailabilityZones(input: EC2.DescribeAvailabilityZonesCommandInput): Out<EC2.DescribeAvailabilityZonesCommandOutput> {
    this.settle();
    let zones = this.zones();
    const named = [...(input.ZoneNames ?? []), ...(input.ZoneIds ?? [])];
    if (named.length > 0) {
      const unknown = named.filter((n) => !zones.some((z) => z.name === n || z.id === n));
      if (unknown.length > 0) throw awsError('InvalidParameterValue', `Invalid availability zone: [${unknown.join(', ')}]`);
      zones = zones.filter((z) => named.includes(z.name) || named.includes(z.id));
    }
    const region = this.world.region;
    const table: FilterTable<{ name: string; id: string; tags: Tags }> = {
      'zone-name': (z) => z.name,
      'zone-id': (z) => z.id,
      state: () => 'available',
      'region-name': () => region,
      'zone-type': () => 'availability-zone',
      'group-name': () => region,
      'opt-in-status': () => 'opt-in-not-required',
    };
    return {
      AvailabilityZones: applyFilters(zones.map((z) => ({ ...z, tags: {} })), input.Filters, table).map((z) => ({
        ZoneName: z.name,
        ZoneId: z.id,
        State: 'available',
        RegionName: region,
        ZoneType: 'availability-zone',
        OptInStatus: 'opt-in-not-required',
        GroupName: region,
        NetworkBorderGroup: region,
        Messages: [],
      })),
    };
  }

  private zoneFor(input: { AvailabilityZone?: string; AvailabilityZoneId?: string }): { name: string; id: string } {
    const zones = this.zones();
    const wanted = input.AvailabilityZone ?? input.AvailabilityZoneId;
    if (wanted === undefined) return zones[0] as { name: string; id: string };
    const zone = zones.find((z) => z.name === wanted || z.id === wanted);
    if (!zone) {
      throw awsError(
        'InvalidParameterValue',
        `Value (${wanted}) for parameter availabilityZone is invalid. ` +
          `Subnets can currently only be created in the following availability zones: ${zones.map((z) => z.name).join(', ')}.`,
      );
    }
    return zone;
  }

  // -------------------------------------------------------------------------------------------
  // VPCs. Each comes with a main route table (local route only) and a default security group.

  private readonly vpcFilters: FilterTable<VpcRecord> = {
    'vpc-id': (v) => v.id,
    cidr: (v) => v.cidrBlock,
    'cidr-block-association.cidr-block': (v) => v.cidrBlock,
    'cidr-block-association.association-id': (v) => v.cidrAssociationId,
    'cidr-block-association.state': () => 'associated',
    state: () => 'available',
    'is-default': () => false,
    'owner-id': () => this.world.account,
    'dhcp-options-id': () => 'default',
  };

  createVpc(input: EC2.CreateVpcCommandInput): Out<EC2.CreateVpcCommandOutput> {
    this.settle();
    const cidrBlock = required(input.CidrBlock, 'cidrBlock');
    const cidr = this.parseCidrParam(cidrBlock, 'cidrBlock');
    if (cidr.prefix < 16 || cidr.prefix > 28) throw awsError('InvalidVpc.Range', `The CIDR '${cidrBlock}' is invalid.`);
    const tags = specTags(input.TagSpecifications, 'vpc');
    const newId = (prefix: string) => this.world.newId(prefix);
    const vpc: VpcRecord = { id: newId('vpc'), cidrBlock, cidrAssociationId: newId('vpc-cidr-assoc'), enableDnsSupport: true, enableDnsHostnames: false, tags };
    this.data.vpcs[vpc.id] = vpc;
    const mainTable: RouteTableRecord = {
      id: newId('rtb'),
      vpcId: vpc.id,
      routes: [{ destinationCidrBlock: cidrBlock, gatewayId: 'local', origin: 'CreateRouteTable' }],
      associations: [{ id: newId('rtbassoc'), main: true }],
      tags: {},
    };
    this.data.routeTables[mainTable.id] = mainTable;
    const defaultGroupId = newId('sg');
    this.data.securityGroups[defaultGroupId] = {
      id: defaultGroupId,
      name: 'default',
      description: 'default VPC security group',
      vpcId: vpc.id,
      ingress: [{ id: newId('sgr'), protocol: '-1', referencedGroupId: defaultGroupId }],
      egress: [{ id: newId('sgr'), protocol: '-1', cidrIpv4: '0.0.0.0/0' }],
      tags: {},
    };
    return { Vpc: { ...this.toVpc(vpc), State: 'pending' } };
  }

  describeVpcs(input: EC2.DescribeVpcsCommandInput): Out<EC2.DescribeVpcsCommandOutput> {
    this.settle();
    const vpcs = applyFilters(pick(this.data.vpcs, input.VpcIds, 'vpc'), input.Filters, this.vpcFilters);
    return { Vpcs: vpcs.map((v) => this.toVpc(v)) };
  }

  modifyVpcAttribute(input: EC2.ModifyVpcAttributeCommandInput): Out<EC2.ModifyVpcAttributeCommandOutput> {
    this.settle();
    const vpc = getRecord(this.data.vpcs, input.VpcId, 'vpc');
    const given = [input.EnableDnsSupport, input.EnableDnsHostnames, input.EnableNetworkAddressUsageMetrics].filter((a) => a !== undefined);
    if (given.length !== 1) throw awsError('InvalidParameterCombination', 'Exactly one attribute must be modified per call');
    if (input.EnableNetworkAddressUsageMetrics) {
      throw new SandboxNotModelled('the sandbox does not model ec2:ModifyVpcAttribute EnableNetworkAddressUsageMetrics');
    }
    if (input.EnableDnsSupport) vpc.enableDnsSupport = required(input.EnableDnsSupport.Value, 'enableDnsSupport.value');
    if (input.EnableDnsHostnames) vpc.enableDnsHostnames = required(input.EnableDnsHostnames.Value, 'enableDnsHostnames.value');
    return {};
  }

  describeVpcAttribute(input: EC2.DescribeVpcAttributeCommandInput): Out<EC2.DescribeVpcAttributeCommandOutput> {
    this.settle();
    const vpc = getRecord(this.data.vpcs, input.VpcId, 'vpc');
    switch (required(input.Attribute, 'attribute')) {
      case 'enableDnsSupport':
        return { VpcId: vpc.id, EnableDnsSupport: { Value: vpc.enableDnsSupport } };
      case 'enableDnsHostnames':
        return { VpcId: vpc.id, EnableDnsHostnames: { Value: vpc.enableDnsHostnames } };
      case 'enableNetworkAddressUsageMetrics':
        return { VpcId: vpc.id, EnableNetworkAddressUsageMetrics: { Value: false } };
      default:
        throw awsError('InvalidParameterValue', `Value (${input.Attribute}) for parameter attribute is invalid. Unknown attribute.`);
    }
  }

  deleteVpc(input: EC2.DeleteVpcCommandInput): Out<EC2.DeleteVpcCommandOutput> {
    this.settle();
    const vpc = getRecord(this.data.vpcs, input.VpcId, 'vpc');
    const d = this.data;
    const inVpc = <R extends { vpcId?: string }>(records: Record<string, R>) => Object.values(records).filter((r) => r.vpcId === vpc.id);
    const blocked =
      inVpc(d.subnets).length > 0 ||
      inVpc(d.internetGateways).length > 0 ||
      inVpc(d.securityGroups).some((g) => g.name !== 'default') ||
      inVpc(d.routeTables).some((t) => !this.isMain(t)) ||
      inVpc(d.networkInterfaces).length > 0;
    if (blocked) throw dependencyViolation('vpc', vpc.id);
    for (const table of inVpc(d.routeTables)) delete d.routeTables[table.id];
    for (const group of inVpc(d.securityGroups)) delete d.securityGroups[group.id];
    delete d.vpcs[vpc.id];
    return {};
  }

  private toVpc(vpc: VpcRecord): EC2.Vpc {
    return {
      VpcId: vpc.id,
      CidrBlock: vpc.cidrBlock,
      State: 'available',
      DhcpOptionsId: 'default',
      InstanceTenancy: 'default',
      IsDefault: false,
      OwnerId: this.world.account,
      CidrBlockAssociationSet: [{ AssociationId: vpc.cidrAssociationId, CidrBlock: vpc.cidrBlock, CidrBlockState: { State: 'associated' } }],
      Tags: tagList(vpc.tags),
    };
  }

  private parseCidrParam(text: string, param: string): Cidr {
    const cidr = parseCidr(text);
    if (!cidr) throw awsError('InvalidParameterValue', `Value (${text}) for parameter ${param} is invalid. This is not a valid CIDR block.`);
    return cidr;
  }

  // -------------------------------------------------------------------------------------------
  // Subnets

  private readonly subnetFilters: FilterTable<SubnetRecord> = {
    'subnet-id': (s) => s.id,
    'vpc-id': (s) => s.vpcId,
    'cidr-block': (s) => s.cidrBlock,
    cidr: (s) => s.cidrBlock,
    cidrBlock: (s) => s.cidrBlock,
    'availability-zone': (s) => s.availabilityZone,
    'availability-zone-id': (s) => this.zoneFor({ AvailabilityZone: s.availabilityZone }).id,
    'map-public-ip-on-launch': (s) => s.mapPublicIpOnLaunch,
    'default-for-az': () => false,
    state: () => 'available',
    'owner-id': () => this.world.account,
    'subnet-arn': (s) => this.subnetArn(s),
  };

  createSubnet(input: EC2.CreateSubnetCommandInput): Out<EC2.CreateSubnetCommandOutput> {
    this.settle();
    const vpc = getRecord(this.data.vpcs, input.VpcId, 'vpc');
    const cidrBlock = required(input.CidrBlock, 'cidrBlock');
    const cidr = this.parseCidrParam(cidrBlock, 'cidrBlock');
    if (cidr.prefix > 28 || !cidrContains(this.parseCidrParam(vpc.cidrBlock, 'cidrBlock'), cidr)) {
      throw awsError('InvalidSubnet.Range', `The CIDR '${cidrBlock}' is invalid.`);
    }
    for (const other of Object.values(this.data.subnets)) {
      if (other.vpcId === vpc.id && cidrsOverlap(cidr, this.parseCidrParam(other.cidrBlock, 'cidrBlock'))) {
        throw awsError('InvalidSubnet.Conflict', `The CIDR '${cidrBlock}' conflicts with another subnet`);
      }
    }
    const zone = this.zoneFor(input);
    const tags = specTags(input.TagSpecifications, 'subnet');
    const subnet: SubnetRecord = { id: this.world.newId('subnet'), vpcId: vpc.id, cidrBlock, availabilityZone: zone.name, mapPublicIpOnLaunch: false, tags };
    this.data.subnets[subnet.id] = subnet;
    return { Subnet: this.toSubnet(subnet) };
  }

  describeSubnets(input: EC2.DescribeSubnetsCommandInput): Out<EC2.DescribeSubnetsCommandOutput> {
    this.settle();
    const subnets = applyFilters(pick(this.data.subnets, input.SubnetIds, 'subnet'), input.Filters, this.subnetFilters);
    return { Subnets: subnets.map((s) => this.toSubnet(s)) };
  }

  modifySubnetAttribute(input: EC2.ModifySubnetAttributeCommandInput): Out<EC2.ModifySubnetAttributeCommandOutput> {
    this.settle();
    const subnet = getRecord(this.data.subnets, input.SubnetId, 'subnet');
    if (!input.MapPublicIpOnLaunch) throw new SandboxNotModelled('the sandbox models only MapPublicIpOnLaunch in ec2:ModifySubnetAttribute');
    subnet.mapPublicIpOnLaunch = required(input.MapPublicIpOnLaunch.Value, 'mapPublicIpOnLaunch.value');
    return {};
  }

  deleteSubnet(input: EC2.DeleteSubnetCommandInput): Out<EC2.DeleteSubnetCommandOutput> {
    this.settle();
    const subnet = getRecord(this.data.subnets, input.SubnetId, 'subnet');
    if (Object.values(this.data.networkInterfaces).some((eni) => eni.subnetId === subnet.id)) throw dependencyViolation('subnet', subnet.id);
    // Its route table association goes with it.
    for (const table of Object.values(this.data.routeTables)) {
      table.associations = table.associations.filter((a) => a.subnetId !== subnet.id);
    }
    delete this.data.subnets[subnet.id];
    return {};
  }

  private availableAddresses(subnet: SubnetRecord): number {
    const used = Object.values(this.data.networkInterfaces).filter((eni) => eni.subnetId === subnet.id).length;
    return cidrSize(this.parseCidrParam(subnet.cidrBlock, 'cidrBlock')) - RESERVED_PER_SUBNET - used;
  }

  private subnetArn(subnet: SubnetRecord): string {
    return this.world.arn('ec2', `subnet/${subnet.id}`);
  }

  private toSubnet(subnet: SubnetRecord): EC2.Subnet {
    return {
      SubnetId: subnet.id,
      SubnetArn: this.subnetArn(subnet),
      VpcId: subnet.vpcId,
      CidrBlock: subnet.cidrBlock,
      AvailabilityZone: subnet.availabilityZone,
      AvailabilityZoneId: this.zoneFor({ AvailabilityZone: subnet.availabilityZone }).id,
      AvailableIpAddressCount: this.availableAddresses(subnet),
      DefaultForAz: false,
      MapPublicIpOnLaunch: subnet.mapPublicIpOnLaunch,
      AssignIpv6AddressOnCreation: false,
      Ipv6CidrBlockAssociationSet: [],
      State: 'available',
      OwnerId: this.world.account,
      Tags: tagList(subnet.tags),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Internet gateways

  private readonly internetGatewayFilters: FilterTable<InternetGatewayRecord> = {
    'internet-gateway-id': (g) => g.id,
    'attachment.vpc-id': (g) => g.vpcId,
    'attachment.state': (g) => (g.vpcId ? 'available' : undefined),
    'owner-id': () => this.world.account,
  };

  createInternetGateway(input: EC2.CreateInternetGatewayCommandInput): Out<EC2.CreateInternetGatewayCommandOutput> {
    this.settle();
    const gateway: InternetGatewayRecord = { id: this.world.newId('igw'), tags: specTags(input.TagSpecifications, 'internet-gateway') };
    this.data.internetGateways[gateway.id] = gateway;
    return { InternetGateway: this.toInternetGateway(gateway) };
  }

  describeInternetGateways(input: EC2.DescribeInternetGatewaysCommandInput): Out<EC2.DescribeInternetGatewaysCommandOutput> {
    this.settle();
    const gateways = applyFilters(pick(this.data.internetGateways, input.InternetGatewayIds, 'internetGateway'), input.Filters, this.internetGatewayFilters);
    return { InternetGateways: gateways.map((g) => this.toInternetGateway(g)) };
  }

  attachInternetGateway(input: EC2.AttachInternetGatewayCommandInput): Out<EC2.AttachInternetGatewayCommandOutput> {
    this.settle();
    const gateway = getRecord(this.data.internetGateways, input.InternetGatewayId, 'internetGateway');
    const vpc = getRecord(this.data.vpcs, input.VpcId, 'vpc');
    if (gateway.vpcId) throw awsError('Resource.AlreadyAssociated', `resource ${gateway.id} is already attached to network ${gateway.vpcId}`);
    const other = Object.values(this.data.internetGateways).find((g) => g.vpcId === vpc.id);
    if (other) throw awsError('Resource.AlreadyAssociated', `resource ${vpc.id} is already attached to network ${other.id}`);
    gateway.vpcId = vpc.id;
    return {};
  }

  detachInternetGateway(input: EC2.DetachInternetGatewayCommandInput): Out<EC2.DetachInternetGatewayCommandOutput> {
    this.settle();
    const gateway = getRecord(this.data.internetGateways, input.InternetGatewayId, 'internetGateway');
    const vpcId = required(input.VpcId, 'vpcId');
    if (gateway.vpcId !== vpcId) throw awsError('Gateway.NotAttached', `resource ${gateway.id} is not attached to network ${vpcId}`);
    // AWS refuses while anything in the VPC still has a public address (an instance, a NAT gateway).
    if (Object.values(this.data.networkInterfaces).some((eni) => eni.vpcId === vpcId && eni.publicIp)) {
      throw awsError(
        'DependencyViolation',
        `Network ${vpcId} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.`,
      );
    }
    delete gateway.vpcId;
    return {};
  }

  deleteInternetGateway(input: EC2.DeleteInternetGatewayCommandInput): Out<EC2.DeleteInternetGatewayCommandOutput> {
    this.settle();
    const gateway = getRecord(this.data.internetGateways, input.InternetGatewayId, 'internetGateway');
    if (gateway.vpcId) throw dependencyViolation('internetGateway', gateway.id);
    delete this.data.internetGateways[gateway.id];
    return {};
  }

  private toInternetGateway(gateway: InternetGatewayRecord): EC2.InternetGateway {
    return {
      InternetGatewayId: gateway.id,
      // AWS reports an attached internet gateway as 'available', a value outside the SDK's enum.
      Attachments: gateway.vpcId ? [{ VpcId: gateway.vpcId, State: 'available' as EC2.AttachmentStatus }] : [],
      OwnerId: this.world.account,
      Tags: tagList(gateway.tags),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Route tables and routes

  private readonly routeTableFilters: FilterTable<RouteTableRecord> = {
    'route-table-id': (t) => t.id,
    'vpc-id': (t) => t.vpcId,
    'owner-id': () => this.world.account,
    'association.main': (t) => t.associations.map((a) => a.main),
    'association.subnet-id': (t) => t.associations.map((a) => a.subnetId),
    'association.route-table-association-id': (t) => t.associations.map((a) => a.id),
    'association.route-table-id': (t) => (t.associations.length > 0 ? t.id : undefined),
    'association.association-state': (t) => (t.associations.length > 0 ? 'associated' : undefined),
    'route.destination-cidr-block': (t) => t.routes.map((r) => r.destinationCidrBlock),
    'route.gateway-id': (t) => t.routes.map((r) => r.gatewayId),
    'route.nat-gateway-id': (t) => t.routes.map((r) => r.natGatewayId),
    'route.instance-id': (t) => t.routes.map((r) => r.instanceId),
    'route.origin': (t) => t.routes.map((r) => r.origin),
    'route.state': (t) => t.routes.map((r) => this.routeState(t, r)),
  };

  createRouteTable(input: EC2.CreateRouteTableCommandInput): Out<EC2.CreateRouteTableCommandOutput> {
    this.settle();
    const vpc = getRecord(this.data.vpcs, input.VpcId, 'vpc');
    const table: RouteTableRecord = {
      id: this.world.newId('rtb'),
      vpcId: vpc.id,
      routes: [{ destinationCidrBlock: vpc.cidrBlock, gatewayId: 'local', origin: 'CreateRouteTable' }],
      associations: [],
      tags: specTags(input.TagSpecifications, 'route-table'),
    };
    this.data.routeTables[table.id] = table;
    return { RouteTable: this.toRouteTable(table) };
  }

  describeRouteTables(input: EC2.DescribeRouteTablesCommandInput): Out<EC2.DescribeRouteTablesCommandOutput> {
    this.settle();
    const tables = applyFilters(pick(this.data.routeTables, input.RouteTableIds, 'routeTable'), input.Filters, this.routeTableFilters);
    return { RouteTables: tables.map((t) => this.toRouteTable(t)) };
  }

  associateRouteTable(input: EC2.AssociateRouteTableCommandInput): Out<EC2.AssociateRouteTableCommandOutput> {
    this.settle();
    const table = getRecord(this.data.routeTables, input.RouteTableId, 'routeTable');
    if (input.GatewayId) throw new SandboxNotModelled('the sandbox does not model gateway route table associations');
    const subnet = getRecord(this.data.subnets, input.SubnetId, 'subnet');
    if (subnet.vpcId !== table.vpcId) {
      throw awsError('InvalidParameterValue', `Route table ${table.id} and subnet ${subnet.id} belong to different networks`);
    }
    if (Object.values(this.data.routeTables).some((t) => t.associations.some((a) => a.subnetId === subnet.id))) {
      throw awsError('Resource.AlreadyAssociated', `the specified association for route table ${table.id} conflicts with an existing association`);
    }
    const association = { id: this.world.newId('rtbassoc'), main: false, subnetId: subnet.id };
    table.associations.push(association);
    return { AssociationId: association.id, AssociationState: { State: 'associated' } };
  }

  disassociateRouteTable(input: EC2.DisassociateRouteTableCommandInput): Out<EC2.DisassociateRouteTableCommandOutput> {
    this.settle();
    const associationId = required(input.AssociationId, 'associationId');
    const table = Object.values(this.data.routeTables).find((t) => t.associations.some((a) => a.id === associationId));
    const association = table?.associations.find((a) => a.id === associationId);
    if (!table || !association) throw awsError('InvalidAssociationID.NotFound', `The association ID '${associationId}' does not exist`);
    if (association.main) throw awsError('InvalidParameterValue', `cannot disassociate the main route table association ${associationId}`);
    table.associations = table.associations.filter((a) => a.id !== associationId);
    return {};
  }

  createRoute(input: EC2.CreateRouteCommandInput): Out<EC2.CreateRouteCommandOutput> {
    this.settle();
    const table = getRecord(this.data.routeTables, input.RouteTableId, 'routeTable');
    const destination = this.routeDestination(input);
    if (table.routes.some((r) => r.destinationCidrBlock === destination)) {
      throw awsError('RouteAlreadyExists', `The route identified by ${destination} already exists.`);
    }
    table.routes.push({ destinationCidrBlock: destination, ...this.routeTarget(table, input), origin: 'CreateRoute' });
    return { Return: true };
  }

  replaceRoute(input: EC2.ReplaceRouteCommandInput): Out<EC2.ReplaceRouteCommandOutput> {
    this.settle();
    const table = getRecord(this.data.routeTables, input.RouteTableId, 'routeTable');
    const destination = this.routeDestination(input);
    const index = this.routeIndex(table, destination);
    if (table.routes[index]?.gatewayId === 'local') {
      throw awsError('InvalidParameterValue', `cannot replace local route ${destination} in route table ${table.id}`);
    }
    table.routes[index] = { destinationCidrBlock: destination, ...this.routeTarget(table, input), origin: 'CreateRoute' };
    return {};
  }

  deleteRoute(input: EC2.DeleteRouteCommandInput): Out<EC2.DeleteRouteCommandOutput> {
    this.settle();
    const table = getRecord(this.data.routeTables, input.RouteTableId, 'routeTable');
    const destination = this.routeDestination(input);
    const index = this.routeIndex(table, destination);
    if (table.routes[index]?.gatewayId === 'local') {
      throw awsError('InvalidParameterValue', `cannot remove local route ${destination} in route table ${table.id}`);
    }
    table.routes.splice(index, 1);
    return {};
  }

  deleteRouteTable(input: EC2.DeleteRouteTableCommandInput): Out<EC2.DeleteRouteTableCommandOutput> {
    this.settle();
    const table = getRecord(this.data.routeTables, input.RouteTableId, 'routeTable');
    // The main table's association counts as a dependency too: it goes only with its VPC.
    if (table.associations.length > 0) throw dependencyViolation('routeTable', table.id);
    delete this.data.routeTables[table.id];
    return {};
  }

  private isMain(table: RouteTableRecord): boolean {
    return table.associations.some((a) => a.main);
  }

  private routeDestination(input: { DestinationCidrBlock?: string; DestinationIpv6CidrBlock?: string; DestinationPrefixListId?: string }): string {
    if (input.DestinationIpv6CidrBlock || input.DestinationPrefixListId) {
      throw new SandboxNotModelled('the sandbox models IPv4 CIDR route destinations only');
    }
    const destination = required(input.DestinationCidrBlock, 'destinationCidrBlock');
    this.parseCidrParam(destination, 'destinationCidrBlock');
    return destination;
  }

  private routeIndex(table: RouteTableRecord, destination: string): number {
    const index = table.routes.findIndex((r) => r.destinationCidrBlock === destination);
    if (index < 0) throw awsError('InvalidRoute.NotFound', `no route with destination-cidr-block ${destination} in route table ${table.id}`);
    return index;
  }

  /** The one target of a CreateRoute/ReplaceRoute, checked to exist and to be in the table's VPC. */
  private routeTarget(table: RouteTableRecord, input: EC2.CreateRouteCommandInput): Omit<RouteRecord, 'destinationCidrBlock' | 'origin'> {
    const unmodelled = [
      input.TransitGatewayId,
      input.VpcPeeringConnectionId,
      input.EgressOnlyInternetGatewayId,
      input.LocalGatewayId,
      input.CarrierGatewayId,
      input.VpcEndpointId,
      input.CoreNetworkArn,
    ];
    if (unmodelled.some((t) => t !== undefined)) {
      throw new SandboxNotModelled('the sandbox models routes to internet gateways, NAT gateways, instances and network interfaces');
    }
    const targets = [input.GatewayId, input.NatGatewayId, input.NetworkInterfaceId, input.InstanceId].filter((t) => t !== undefined);
    if (targets.length === 0) throw awsError('MissingParameter', 'The request must contain exactly one route target');
    if (targets.length > 1) throw awsError('InvalidParameterCombination', 'More than one target specified for the route');
    const differentNetworks = (target: string) =>
      awsError('InvalidParameterValue', `route table ${table.id} and network gateway ${target} belong to different networks`);
    if (input.GatewayId !== undefined) {
      const gateway = this.data.internetGateways[input.GatewayId];
      if (!gateway) throw awsError('InvalidGatewayID.NotFound', `The gateway ID '${input.GatewayId}' does not exist`);
      if (gateway.vpcId !== table.vpcId) throw differentNetworks(gateway.id);
      return { gatewayId: gateway.id };
    }
    if (input.NatGatewayId !== undefined) {
      const nat = this.data.natGateways[input.NatGatewayId];
      if (!nat || nat.state === 'deleted' || nat.state === 'failed') {
        throw awsError('NatGatewayNotFound', `The NAT gateway ${input.NatGatewayId} was not found`);
      }
      if (nat.vpcId !== table.vpcId) throw differentNetworks(nat.id);
      return { natGatewayId: nat.id };
    }
    let eni: NetworkInterfaceRecord;
    if (input.InstanceId !== undefined) {
      const instance = getRecord(this.data.instances, input.InstanceId, 'instance');
      const primary = this.data.networkInterfaces[instance.networkInterfaceId];
      if (!primary || instance.state === 'shutting-down' || instance.state === 'terminated') {
        throw awsError('IncorrectInstanceState', `The instance '${instance.id}' is not in a valid state for this operation.`);
      }
      eni = primary;
    } else {
      eni = getRecord(this.data.networkInterfaces, input.NetworkInterfaceId, 'networkInterface');
    }
    if (eni.vpcId !== table.vpcId) {
      throw awsError('InvalidParameterValue', `route table ${table.id} and interface ${eni.id} belong to different networks`);
    }
    return { networkInterfaceId: eni.id, instanceId: eni.attachment?.instanceId };
  }

  /** blackhole once the target is gone: a deleted NAT gateway, a detached gateway, a terminated instance. */
  private routeState(table: RouteTableRecord, route: RouteRecord): EC2.RouteState {
    if (route.gatewayId === 'local') return 'active';
    if (route.gatewayId) return this.data.internetGateways[route.gatewayId]?.vpcId === table.vpcId ? 'active' : 'blackhole';
    if (route.natGatewayId) {
      const state = this.data.natGateways[route.natGatewayId]?.state;
      return state === 'pending' || state === 'available' ? 'active' : 'blackhole';
    }
    const eni = route.networkInterfaceId ? this.data.networkInterfaces[route.networkInterfaceId] : undefined;
    const instance = eni?.attachment?.instanceId ? this.data.instances[eni.attachment.instanceId] : undefined;
    if (!eni?.attachment) return 'blackhole';
    return !instance || instance.state === 'pending' || instance.state === 'running' ? 'active' : 'blackhole';
  }

  private toRouteTable(table: RouteTableRecord): EC2.RouteTable {
    return {
      RouteTableId: table.id,
      VpcId: table.vpcId,
      OwnerId: this.world.account,
      Routes: table.routes.map((route) => ({
        DestinationCidrBlock: route.destinationCidrBlock,
        GatewayId: route.gatewayId,
        NatGatewayId: route.natGatewayId,
        NetworkInterfaceId: route.networkInterfaceId,
        InstanceId: route.instanceId,
        InstanceOwnerId: route.instanceId ? this.world.account : undefined,
        Origin: route.origin,
        State: this.routeState(table, route),
      })),
      Associations: table.associations.map((a) => ({
        Main: a.main,
        RouteTableAssociationId: a.id,
        RouteTableId: table.id,
        SubnetId: a.subnetId,
        AssociationState: { State: 'associated' },
      })),
      PropagatingVgws: [],
      Tags: tagList(table.tags),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Security groups and their rules

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
    const groups = applyFilters(pick(this.data.securityGroups, input.GroupIds, 'securityGroup'), input.Filters, this.securityGroupFilters);
    return { SecurityGroups: groups.map((g) => this.toSecurityGroup(g)) };
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
  private groupsForInterface(groupIds: readonly string[], subnet: SubnetRecord): string[] {
    for (const id of groupIds) {
      const group = getRecord(this.data.securityGroups, id, 'securityGroup');
      if (group.vpcId !== subnet.vpcId) {
        throw awsError('InvalidParameter', `Security group ${group.id} and subnet ${subnet.id} belong to different networks.`);
      }
    }
    return [...new Set(groupIds)];
  }

  // -------------------------------------------------------------------------------------------
  // Images (seeded public AMIs; read-only)

  private readonly imageFilters: FilterTable<ImageRecord> = {
    'image-id': (i) => i.id,
    name: (i) => i.name,
    description: (i) => i.description,
    architecture: (i) => i.architecture,
    'owner-id': (i) => i.ownerId,
    'owner-alias': (i) => i.ownerAlias,
    state: () => 'available',
    'is-public': () => true,
    'image-type': () => 'machine',
    'root-device-type': () => 'ebs',
    'root-device-name': () => '/dev/xvda',
    'virtualization-type': () => 'hvm',
    hypervisor: () => 'xen',
    'platform-details': () => 'Linux/UNIX',
    'creation-date': (i) => i.creationDate,
  };

  describeImages(input: EC2.DescribeImagesCommandInput): Out<EC2.DescribeImagesCommandOutput> {
    this.settle();
    let images = pick(this.data.images, input.ImageIds, 'image');
    if (input.Owners && input.Owners.length > 0) {
      const owners = input.Owners;
      images = images.filter((i) =>
        owners.some((owner) => owner === i.ownerId || owner === i.ownerAlias || (owner === 'self' && i.ownerId === this.world.account)),
      );
    }
    return { Images: applyFilters(images, input.Filters, this.imageFilters).map((i) => this.toImage(i)) };
  }

  private toImage(image: ImageRecord): EC2.Image {
    return {
      ImageId: image.id,
      Name: image.name,
      Description: image.description,
      OwnerId: image.ownerId,
      ImageOwnerAlias: image.ownerAlias,
      ImageLocation: `${image.ownerAlias ?? image.ownerId}/${image.name}`,
      Architecture: image.architecture,
      CreationDate: image.creationDate,
      State: 'available',
      Public: true,
      ImageType: 'machine',
      RootDeviceType: 'ebs',
      RootDeviceName: '/dev/xvda',
      VirtualizationType: 'hvm',
      Hypervisor: 'xen',
      EnaSupport: true,
      PlatformDetails: 'Linux/UNIX',
      UsageOperation: 'RunInstances',
      ImdsSupport: image.imdsSupport,
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: true, VolumeSize: 8, VolumeType: 'gp3', Encrypted: false } }],
      Tags: tagList(image.tags),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Network interfaces: an instance's, a NAT gateway's, and those other services put in a VPC.

  private readonly networkInterfaceFilters: FilterTable<NetworkInterfaceRecord> = {
    'network-interface-id': (e) => e.id,
    'vpc-id': (e) => e.vpcId,
    'subnet-id': (e) => e.subnetId,
    'availability-zone': (e) => e.availabilityZone,
    'group-id': (e) => e.groupIds,
    'group-name': (e) => e.groupIds.map((id) => this.data.securityGroups[id]?.name),
    description: (e) => e.description,
    'requester-managed': (e) => e.requesterManaged,
    'requester-id': (e) => e.requesterId,
    status: (e) => (e.attachment ? 'in-use' : 'available'),
    'interface-type': (e) => e.interfaceType,
    'private-ip-address': (e) => e.privateIp,
    'addresses.private-ip-address': (e) => e.privateIp,
    'mac-address': (e) => e.macAddress,
    'source-dest-check': (e) => e.sourceDestCheck,
    'owner-id': () => this.world.account,
    'attachment.instance-id': (e) => e.attachment?.instanceId,
    'attachment.attachment-id': (e) => e.attachment?.id,
    'attachment.status': (e) => (e.attachment ? 'attached' : undefined),
    'attachment.device-index': (e) => e.attachment?.deviceIndex,
    'association.public-ip': (e) => e.publicIp?.ip,
    'association.allocation-id': (e) => e.publicIp?.allocationId,
    'association.association-id': (e) => e.publicIp?.associationId,
  };

  describeNetworkInterfaces(input: EC2.DescribeNetworkInterfacesCommandInput): Out<EC2.DescribeNetworkInterfacesCommandOutput> {
    this.settle();
    const enis = applyFilters(pick(this.data.networkInterfaces, input.NetworkInterfaceIds, 'networkInterface'), input.Filters, this.networkInterfaceFilters);
    for (const eni of enis) if (eni.lingerReads !== undefined) eni.lingerReads -= 1;
    return { NetworkInterfaces: enis.map((e) => this.toNetworkInterface(e)) };
  }

  modifyNetworkInterfaceAttribute(input: EC2.ModifyNetworkInterfaceAttributeCommandInput): Out<EC2.ModifyNetworkInterfaceAttributeCommandOutput> {
    this.settle();
    const eni = getRecord(this.data.networkInterfaces, input.NetworkInterfaceId, 'networkInterface');
    const subnet = getRecord(this.data.subnets, eni.subnetId, 'subnet');
    if (input.SourceDestCheck?.Value !== undefined) eni.sourceDestCheck = input.SourceDestCheck.Value;
    if (input.Description?.Value !== undefined) eni.description = input.Description.Value;
    if (input.Groups) eni.groupIds = this.groupsForInterface(input.Groups, subnet);
    return {};
  }

  deleteNetworkInterface(input: EC2.DeleteNetworkInterfaceCommandInput): Out<EC2.DeleteNetworkInterfaceCommandOutput> {
    this.settle();
    const eni = getRecord(this.data.networkInterfaces, input.NetworkInterfaceId, 'networkInterface');
    if (eni.attachment) throw awsError('InvalidNetworkInterface.InUse', `The network interface '${eni.id}' is currently in use.`);
    this.removeNetworkInterface(eni.id);
    return {};
  }

  /**
   * Not an AWS operation: another sandbox service (a load balancer node, a Fargate task) puts a
   * requester-managed, in-use network interface into a subnet. Returns its ID.
   */
  attachServiceEni(input: { subnetId: string; groupIds: string[]; description: string; requesterId: string; publicIp?: boolean }): string {
    this.settle();
    const subnet = getRecord(this.data.subnets, input.subnetId, 'subnet');
    const eni = this.createNetworkInterface(subnet, {
      groupIds: this.groupsForInterface(input.groupIds, subnet),
      description: input.description,
      requesterManaged: true,
      requesterId: input.requesterId,
      attachment: { instanceOwnerId: input.requesterId, deviceIndex: 1, deleteOnTermination: false },
    });
    // An internet-facing load balancer's nodes (a task with assignPublicIp) are reached at a public address.
    if (input.publicIp) eni.publicIp = { ip: this.nextPublicIp() };
    return eni.id;
  }

  /**
   * Not an AWS operation: the owning service let go; the interface, with its public address, stays
   * for `linger` (the load balancer's or the task's release time), then disappears.
   */
  releaseServiceEni(eniId: string, linger: 'ec2.eni.elb.released' | 'ec2.eni.task.released'): void {
    this.settle();
    const eni = this.data.networkInterfaces[eniId];
    if (eni && eni.releaseAt === undefined) eni.releaseAt = this.world.readyAt(linger);
  }

  /**
   * For tests: a requester-managed interface left behind by a deleted service, which
   * DescribeNetworkInterfaces keeps showing for `reads` more calls that include it, then is gone.
   */
  simulateLingeringEni(input: { subnetId: string; groupIds: string[]; reads: number; publicIp?: boolean }): string {
    this.settle();
    const subnet = getRecord(this.data.subnets, input.subnetId, 'subnet');
    const eni = this.createNetworkInterface(subnet, {
      groupIds: this.groupsForInterface(input.groupIds, subnet),
      description: 'Lingering interface of a deleted service',
      requesterManaged: true,
      requesterId: 'amazon-aws',
      attachment: { instanceOwnerId: 'amazon-aws', deviceIndex: 1, deleteOnTermination: false },
    });
    eni.lingerReads = input.reads;
    if (input.publicIp) eni.publicIp = { ip: this.nextPublicIp() };
    return eni.id;
  }

  private createNetworkInterface(
    subnet: SubnetRecord,
    spec: {
      groupIds: string[];
      description: string;
      requesterManaged: boolean;
      requesterId?: string;
      interfaceType?: NetworkInterfaceRecord['interfaceType'];
      attachment?: { instanceId?: string; instanceOwnerId: string; deviceIndex: number; deleteOnTermination: boolean };
      tags?: Tags;
    },
  ): NetworkInterfaceRecord {
    const used = new Set(Object.values(this.data.networkInterfaces).filter((e) => e.subnetId === subnet.id).map((e) => e.privateIp));
    const privateIp = nextFreeAddress(this.parseCidrParam(subnet.cidrBlock, 'cidrBlock'), used);
    if (!privateIp) throw noFreeAddress(subnet.id);
    const id = this.world.newId('eni');
    const eni: NetworkInterfaceRecord = {
      id,
      subnetId: subnet.id,
      vpcId: subnet.vpcId,
      availabilityZone: subnet.availabilityZone,
      description: spec.description,
      groupIds: spec.groupIds,
      privateIp,
      macAddress: `02:${(id.slice(-10).match(/../g) ?? []).join(':')}`,
      interfaceType: spec.interfaceType ?? 'interface',
      requesterManaged: spec.requesterManaged,
      requesterId: spec.requesterId,
      sourceDestCheck: true,
      // An instance's attachment is eni-attach-…, a service's ela-attach-…, as on AWS.
      attachment: spec.attachment && {
        id: this.world.newId(spec.attachment.instanceId ? 'eni-attach' : 'ela-attach'),
        attachTime: this.nowIso(),
        ...spec.attachment,
      },
      tags: spec.tags ?? {},
    };
    this.data.networkInterfaces[id] = eni;
    return eni;
  }

  /** The interface goes; an Elastic IP on it is disassociated. */
  private removeNetworkInterface(eniId: string): void {
    delete this.data.networkInterfaces[eniId];
    for (const address of Object.values(this.data.addresses)) {
      if (address.association?.networkInterfaceId === eniId) delete address.association;
    }
  }

  private nextPublicIp(): string {
    this.data.publicIpCounter += 1;
    return intToIp(PUBLIC_IP_BASE + this.data.publicIpCounter);
  }

  private privateDnsName(ip: string): string {
    return `ip-${ip.replaceAll('.', '-')}.${this.world.region}.compute.internal`;
  }

  private groupIdentifiers(groupIds: readonly string[]): EC2.GroupIdentifier[] {
    return groupIds.map((id) => ({ GroupId: id, GroupName: this.data.securityGroups[id]?.name }));
  }

  private eniAssociation(eni: NetworkInterfaceRecord): EC2.NetworkInterfaceAssociation | undefined {
    if (!eni.publicIp) return undefined;
    return {
      PublicIp: eni.publicIp.ip,
      PublicDnsName: '',
      IpOwnerId: eni.publicIp.allocationId ? this.world.account : 'amazon',
      AllocationId: eni.publicIp.allocationId,
      AssociationId: eni.publicIp.associationId,
    };
  }

  private toNetworkInterface(eni: NetworkInterfaceRecord): EC2.NetworkInterface {
    const association = this.eniAssociation(eni);
    return {
      NetworkInterfaceId: eni.id,
      SubnetId: eni.subnetId,
      VpcId: eni.vpcId,
      AvailabilityZone: eni.availabilityZone,
      Description: eni.description,
      Groups: this.groupIdentifiers(eni.groupIds),
      InterfaceType: eni.interfaceType,
      MacAddress: eni.macAddress,
      OwnerId: this.world.account,
      PrivateIpAddress: eni.privateIp,
      PrivateDnsName: this.privateDnsName(eni.privateIp),
      PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: eni.privateIp, PrivateDnsName: this.privateDnsName(eni.privateIp), Association: association }],
      Ipv6Addresses: [],
      RequesterId: eni.requesterId,
      RequesterManaged: eni.requesterManaged,
      SourceDestCheck: eni.sourceDestCheck,
      Status: eni.attachment ? 'in-use' : 'available',
      Association: association,
      Attachment: eni.attachment && {
        AttachmentId: eni.attachment.id,
        AttachTime: new Date(eni.attachment.attachTime),
        DeleteOnTermination: eni.attachment.deleteOnTermination,
        DeviceIndex: eni.attachment.deviceIndex,
        NetworkCardIndex: 0,
        InstanceId: eni.attachment.instanceId,
        InstanceOwnerId: eni.attachment.instanceOwnerId,
        Status: 'attached',
      },
      TagSet: tagsToList(eni.tags),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Instances: pending → running, shutting-down → terminated, each after its latency.

  private readonly instanceFilters: FilterTable<InstanceRecord> = {
    'instance-id': (i) => i.id,
    'instance-state-name': (i) => i.state,
    'instance-state-code': (i) => INSTANCE_STATE_CODES[i.state],
    'instance-type': (i) => i.instanceType,
    'image-id': (i) => i.imageId,
    architecture: (i) => i.architecture,
    'availability-zone': (i) => i.availabilityZone,
    'reservation-id': (i) => i.reservationId,
    'client-token': (i) => i.clientToken,
    'key-name': (i) => i.keyName,
    'owner-id': () => this.world.account,
    // What follows comes from the primary network interface, which goes with the instance.
    'vpc-id': (i) => (this.primaryEni(i) ? i.vpcId : undefined),
    'subnet-id': (i) => (this.primaryEni(i) ? i.subnetId : undefined),
    'private-ip-address': (i) => this.primaryEni(i)?.privateIp,
    'ip-address': (i) => this.primaryEni(i)?.publicIp?.ip,
    'network-interface.network-interface-id': (i) => this.primaryEni(i)?.id,
    'instance.group-id': (i) => this.primaryEni(i)?.groupIds ?? [],
    'instance.group-name': (i) => (this.primaryEni(i)?.groupIds ?? []).map((id) => this.data.securityGroups[id]?.name),
    'group-id': (i) => this.primaryEni(i)?.groupIds ?? [],
    'group-name': (i) => (this.primaryEni(i)?.groupIds ?? []).map((id) => this.data.securityGroups[id]?.name),
    'metadata-options.http-tokens': (i) => i.metadataOptions.httpTokens,
    'source-dest-check': (i) => this.primaryEni(i)?.sourceDestCheck,
  };

  runInstances(input: EC2.RunInstancesCommandInput): Out<EC2.RunInstancesCommandOutput> {
    this.settle();
    const replayed = this.replay('RunInstances', input.ClientToken, input);
    if (replayed) {
      const instances = replayed.map((id) => getRecord(this.data.instances, id, 'instance'));
      // AWS keeps a token for at least 24 hours after its instance's termination and refuses it.
      if (instances.every((i) => i.state === 'terminated')) {
        throw awsError('IdempotentInstanceTerminated', 'The client token you have provided is associated with a resource that is already deleted. Please use a different client token.');
      }
      return this.toReservation(instances);
    }

    const image = getRecord(this.data.images, input.ImageId, 'image');
    const instanceType = input.InstanceType ?? 'm1.small';
    const architecture = instanceTypeArchitecture(instanceType);
    if (architecture !== image.architecture) {
      throw awsError(
        'InvalidParameterValue',
        `The architecture '${architecture}' of the specified instance type does not match the architecture '${image.architecture}' of the specified AMI. ` +
          'Specify an instance type and an AMI that have matching architectures, and try again.',
      );
    }
    const minCount = required(input.MinCount, 'minCount');
    const maxCount = required(input.MaxCount, 'maxCount');
    if (minCount < 1 || maxCount < minCount) {
      throw awsError('InvalidParameterValue', `Invalid value for MinCount (${minCount}) / MaxCount (${maxCount})`);
    }
    if (input.KeyName) throw awsError('InvalidKeyPair.NotFound', `The key pair '${input.KeyName}' does not exist`);
    const { subnet, groupIds, publicIp, deleteOnTermination } = this.placement(input);
    const tags = tagsBySpec(input.TagSpecifications, ['instance', 'network-interface', 'volume']);
    const free = this.availableAddresses(subnet);
    if (free < minCount) throw noFreeAddress(subnet.id);
    const imdsV2 = image.imdsSupport === 'v2.0';
    const options = input.MetadataOptions;
    const reservationId = this.world.newId('r');
    const instances: InstanceRecord[] = [];
    for (let index = 0; index < Math.min(maxCount, free); index += 1) {
      const id = this.world.newId('i');
      const eni = this.createNetworkInterface(subnet, {
        groupIds,
        description: '',
        requesterManaged: false,
        attachment: { instanceId: id, instanceOwnerId: this.world.account, deviceIndex: 0, deleteOnTermination },
        tags: { ...tags['network-interface'] },
      });
      if (publicIp) eni.publicIp = { ip: this.nextPublicIp() };
      const instance: InstanceRecord = {
        id,
        reservationId,
        imageId: image.id,
        instanceType,
        architecture,
        launchTime: this.nowIso(),
        state: 'pending',
        readyAt: this.world.readyAt('ec2.instance.running'),
        subnetId: subnet.id,
        vpcId: subnet.vpcId,
        availabilityZone: subnet.availabilityZone,
        networkInterfaceId: eni.id,
        metadataOptions: {
          httpTokens: options?.HttpTokens ?? (imdsV2 ? 'required' : 'optional'),
          httpEndpoint: options?.HttpEndpoint ?? 'enabled',
          httpPutResponseHopLimit: options?.HttpPutResponseHopLimit ?? (imdsV2 ? 2 : 1),
        },
        iamInstanceProfileArn: this.instanceProfileArn(input.IamInstanceProfile),
        clientToken: input.ClientToken,
        amiLaunchIndex: index,
        tags: { ...tags.instance },
      };
      this.data.instances[id] = instance;
      instances.push(instance);
    }
    this.remember('RunInstances', input.ClientToken, input, instances.map((i) => i.id));
    return this.toReservation(instances);
  }

  describeInstances(input: EC2.DescribeInstancesCommandInput): Out<EC2.DescribeInstancesCommandOutput> {
    this.settle();
    const instances = applyFilters(pick(this.data.instances, input.InstanceIds, 'instance'), input.Filters, this.instanceFilters);
    const byReservation = new Map<string, InstanceRecord[]>();
    for (const instance of instances) byReservation.set(instance.reservationId, [...(byReservation.get(instance.reservationId) ?? []), instance]);
    return { Reservations: [...byReservation.values()].map((group) => this.toReservation(group)) };
  }

  terminateInstances(input: EC2.TerminateInstancesCommandInput): Out<EC2.TerminateInstancesCommandOutput> {
    this.settle();
    const instances = pick(this.data.instances, required(input.InstanceIds, 'instanceId'), 'instance');
    return {
      TerminatingInstances: instances.map((instance) => {
        const previous = this.instanceState(instance);
        if (instance.state === 'pending' || instance.state === 'running') {
          instance.state = 'shutting-down';
          instance.readyAt = this.world.readyAt('ec2.instance.terminated');
        }
        return { InstanceId: instance.id, PreviousState: previous, CurrentState: this.instanceState(instance) };
      }),
    };
  }

  /** Stopping keeps the instance and its network interface; it reads `stopped` once the latency has passed. */
  stopInstances(input: EC2.StopInstancesCommandInput): Out<EC2.StopInstancesCommandOutput> {
    this.settle();
    const instances = pick(this.data.instances, required(input.InstanceIds, 'instanceId'), 'instance');
    return {
      StoppingInstances: instances.map((instance) => {
        const previous = this.instanceState(instance);
        if (instance.state === 'pending' || instance.state === 'running') {
          instance.state = 'stopping';
          instance.readyAt = this.world.readyAt('ec2.instance.terminated');
        } else if (instance.state !== 'stopping' && instance.state !== 'stopped') {
          throw awsError('IncorrectInstanceState', `This instance '${instance.id}' is not in a state from which it can be stopped.`);
        }
        return { InstanceId: instance.id, PreviousState: previous, CurrentState: this.instanceState(instance) };
      }),
    };
  }

  startInstances(input: EC2.StartInstancesCommandInput): Out<EC2.StartInstancesCommandOutput> {
    this.settle();
    const instances = pick(this.data.instances, required(input.InstanceIds, 'instanceId'), 'instance');
    for (const instance of instances) {
      if (instance.state === 'stopping' || instance.state === 'shutting-down' || instance.state === 'terminated') {
        throw awsError('IncorrectInstanceState', `The instance '${instance.id}' is not in a state from which it can be started.`);
      }
    }
    return {
      StartingInstances: instances.map((instance) => {
        const previous = this.instanceState(instance);
        if (instance.state === 'stopped') {
          instance.state = 'pending';
          instance.readyAt = this.world.readyAt('ec2.instance.running');
        }
        return { InstanceId: instance.id, PreviousState: previous, CurrentState: this.instanceState(instance) };
      }),
    };
  }

  modifyInstanceAttribute(input: EC2.ModifyInstanceAttributeCommandInput): Out<EC2.ModifyInstanceAttributeCommandOutput> {
    this.settle();
    const instance = getRecord(this.data.instances, input.InstanceId, 'instance');
    const eni = this.primaryEni(instance);
    if (!eni || instance.state === 'terminated') {
      throw awsError('IncorrectInstanceState', `The instance '${instance.id}' is not in a state from which it can be modified.`);
    }
    const legacy = input.Attribute === 'sourceDestCheck' && input.Value !== undefined ? input.Value === 'true' : undefined;
    const sourceDestCheck = input.SourceDestCheck?.Value ?? legacy;
    if (sourceDestCheck !== undefined) eni.sourceDestCheck = sourceDestCheck;
    else if (input.Groups) eni.groupIds = this.groupsForInterface(input.Groups, getRecord(this.data.subnets, eni.subnetId, 'subnet'));
    else throw new SandboxNotModelled('the sandbox models SourceDestCheck and Groups in ec2:ModifyInstanceAttribute');
    return {};
  }

  modifyInstanceMetadataOptions(input: EC2.ModifyInstanceMetadataOptionsCommandInput): Out<EC2.ModifyInstanceMetadataOptionsCommandOutput> {
    this.settle();
    const instance = getRecord(this.data.instances, input.InstanceId, 'instance');
    if (instance.state === 'terminated' || instance.state === 'shutting-down') {
      throw awsError('IncorrectInstanceState', `The instance '${instance.id}' is not in a state from which it can be modified.`);
    }
    const options = instance.metadataOptions;
    if (input.HttpTokens) options.httpTokens = input.HttpTokens;
    if (input.HttpEndpoint) options.httpEndpoint = input.HttpEndpoint;
    if (input.HttpPutResponseHopLimit) options.httpPutResponseHopLimit = input.HttpPutResponseHopLimit;
    return { InstanceId: instance.id, InstanceMetadataOptions: { ...this.metadataOptions(instance), State: 'pending' } };
  }

  /** Where RunInstances puts the instance: SubnetId + SecurityGroupIds, or NetworkInterfaces[0]. */
  private placement(input: EC2.RunInstancesCommandInput): { subnet: SubnetRecord; groupIds: string[]; publicIp: boolean; deleteOnTermination: boolean } {
    const nics = input.NetworkInterfaces ?? [];
    const nic = nics[0];
    if (nics.length > 1 || nic?.NetworkInterfaceId) throw new SandboxNotModelled('the sandbox models one new network interface per instance');
    if (nic && input.SubnetId) {
      throw awsError('InvalidParameterCombination', 'Network interfaces and an instance-level subnet ID may not be specified on the same request');
    }
    if (nic && input.SecurityGroupIds?.length) {
      throw awsError('InvalidParameterCombination', 'Network interfaces and an instance-level security groups may not be specified on the same request');
    }
    const subnetId = nic?.SubnetId ?? input.SubnetId;
    if (!subnetId) throw awsError('VPCIdNotSpecified', 'No default VPC for this user');
    const subnet = getRecord(this.data.subnets, subnetId, 'subnet');
    if (input.SecurityGroups?.length) {
      throw awsError('InvalidParameterCombination', 'The parameter groupName cannot be used with the parameter subnet');
    }
    const requested = nic?.Groups ?? input.SecurityGroupIds ?? [];
    const defaultGroup = Object.values(this.data.securityGroups).find((g) => g.vpcId === subnet.vpcId && g.name === 'default');
    const groupIds = requested.length > 0 ? this.groupsForInterface(requested, subnet) : defaultGroup ? [defaultGroup.id] : [];
    return {
      subnet,
      groupIds,
      publicIp: nic?.AssociatePublicIpAddress ?? subnet.mapPublicIpOnLaunch,
      deleteOnTermination: nic?.DeleteOnTermination ?? true,
    };
  }

  private instanceProfileArn(profile: EC2.IamInstanceProfileSpecification | undefined): string | undefined {
    if (profile?.Arn) return profile.Arn;
    return profile?.Name ? this.world.arn('iam', `instance-profile/${profile.Name}`, { region: '' }) : undefined;
  }

  private primaryEni(instance: InstanceRecord): NetworkInterfaceRecord | undefined {
    return this.data.networkInterfaces[instance.networkInterfaceId];
  }

  private instanceState(instance: InstanceRecord): EC2.InstanceState {
    return { Code: INSTANCE_STATE_CODES[instance.state], Name: instance.state };
  }

  private metadataOptions(instance: InstanceRecord): EC2.InstanceMetadataOptionsResponse {
    const options = instance.metadataOptions;
    return {
      State: instance.state === 'pending' ? 'pending' : 'applied',
      HttpTokens: options.httpTokens,
      HttpEndpoint: options.httpEndpoint,
      HttpPutResponseHopLimit: options.httpPutResponseHopLimit,
      HttpProtocolIpv6: 'disabled',
      InstanceMetadataTags: 'disabled',
    };
  }

  private toReservation(instances: readonly InstanceRecord[]): EC2.Reservation {
    return { ReservationId: instances[0]?.reservationId, OwnerId: this.world.account, Groups: [], Instances: instances.map((i) => this.toInstance(i)) };
  }

  private toInstance(instance: InstanceRecord): EC2.Instance {
    // A terminated instance has lost its network interface, and with it its subnet, addresses and groups.
    const eni = this.primaryEni(instance);
    const gone = instance.state === 'shutting-down' || instance.state === 'terminated';
    const association = eni && this.eniAssociation(eni);
    return {
      InstanceId: instance.id,
      ImageId: instance.imageId,
      InstanceType: instance.instanceType as EC2._InstanceType,
      Architecture: instance.architecture,
      State: this.instanceState(instance),
      StateTransitionReason: gone ? 'User initiated' : '',
      StateReason: gone ? { Code: 'Client.UserInitiatedShutdown', Message: 'Client.UserInitiatedShutdown: User initiated shutdown' } : undefined,
      LaunchTime: new Date(instance.launchTime),
      Placement: { AvailabilityZone: instance.availabilityZone, Tenancy: 'default', GroupName: '' },
      SubnetId: eni ? instance.subnetId : undefined,
      VpcId: eni ? instance.vpcId : undefined,
      PrivateIpAddress: eni?.privateIp,
      PrivateDnsName: eni ? this.privateDnsName(eni.privateIp) : '',
      PublicIpAddress: eni?.publicIp?.ip,
      PublicDnsName: '',
      SecurityGroups: eni ? this.groupIdentifiers(eni.groupIds) : [],
      SourceDestCheck: eni?.sourceDestCheck,
      NetworkInterfaces: eni
        ? [
            {
              NetworkInterfaceId: eni.id,
              SubnetId: eni.subnetId,
              VpcId: eni.vpcId,
              Description: eni.description,
              Groups: this.groupIdentifiers(eni.groupIds),
              MacAddress: eni.macAddress,
              OwnerId: this.world.account,
              PrivateIpAddress: eni.privateIp,
              PrivateDnsName: this.privateDnsName(eni.privateIp),
              PrivateIpAddresses: [
                { Primary: true, PrivateIpAddress: eni.privateIp, PrivateDnsName: this.privateDnsName(eni.privateIp), Association: association },
              ],
              Association: association,
              SourceDestCheck: eni.sourceDestCheck,
              Status: 'in-use',
              InterfaceType: 'interface',
              Attachment: eni.attachment && {
                AttachmentId: eni.attachment.id,
                AttachTime: new Date(eni.attachment.attachTime),
                DeleteOnTermination: eni.attachment.deleteOnTermination,
                DeviceIndex: eni.attachment.deviceIndex,
                NetworkCardIndex: 0,
                Status: 'attached',
              },
            },
          ]
        : [],
      MetadataOptions: this.metadataOptions(instance),
      ClientToken: instance.clientToken ?? '',
      KeyName: instance.keyName,
      IamInstanceProfile: instance.iamInstanceProfileArn ? { Arn: instance.iamInstanceProfileArn } : undefined,
      AmiLaunchIndex: instance.amiLaunchIndex,
      RootDeviceType: 'ebs',
      RootDeviceName: '/dev/xvda',
      VirtualizationType: 'hvm',
      Hypervisor: 'xen',
      EbsOptimized: false,
      EnaSupport: true,
      Monitoring: { State: 'disabled' },
      PlatformDetails: 'Linux/UNIX',
      Tags: tagList(instance.tags),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Client tokens: the same token and parameters give back what the first call made (even if it
  // is gone by now); the same token with other parameters is refused.

  private replay(operation: string, token: string | undefined, input: object): string[] | undefined {
    const used = token === undefined ? undefined : this.data.clientTokens[`${operation}:${token}`];
    if (!used) return undefined;
    if (used.fingerprint !== fingerprint(input)) {
      throw awsError('IdempotentParameterMismatch', 'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).');
    }
    return used.ids;
  }

  private remember(operation: string, token: string | undefined, input: object, ids: string[]): void {
    if (token !== undefined) this.data.clientTokens[`${operation}:${token}`] = { fingerprint: fingerprint(input), ids };
  }

  // -------------------------------------------------------------------------------------------
  // Elastic IPs

  private readonly addressFilters: FilterTable<AddressRecord> = {
    'allocation-id': (a) => a.allocationId,
    'public-ip': (a) => a.publicIp,
    domain: () => 'vpc',
    'association-id': (a) => a.association?.id,
    'network-interface-id': (a) => a.association?.networkInterfaceId,
    'private-ip-address': (a) => a.association?.privateIp,
    'instance-id': (a) => this.addressInstance(a),
    'network-interface-owner-id': (a) => (a.association ? this.world.account : undefined),
    'network-border-group': () => this.world.region,
  };

  allocateAddress(input: EC2.AllocateAddressCommandInput): Out<EC2.AllocateAddressCommandOutput> {
    this.settle();
    if (input.Domain === 'standard' || input.Address || input.PublicIpv4Pool) {
      throw new SandboxNotModelled('the sandbox models Amazon-pool VPC Elastic IPs only');
    }
    const address: AddressRecord = {
      allocationId: this.world.newId('eipalloc'),
      publicIp: this.nextPublicIp(),
      tags: specTags(input.TagSpecifications, 'elastic-ip'),
    };
    this.data.addresses[address.allocationId] = address;
    return { AllocationId: address.allocationId, PublicIp: address.publicIp, Domain: 'vpc', PublicIpv4Pool: 'amazon', NetworkBorderGroup: this.world.region };
  }

  describeAddresses(input: EC2.DescribeAddressesCommandInput): Out<EC2.DescribeAddressesCommandOutput> {
    this.settle();
    let addresses = pick(this.data.addresses, input.AllocationIds, 'address');
    if (input.PublicIps && input.PublicIps.length > 0) {
      const wanted = input.PublicIps;
      const missing = wanted.filter((ip) => !addresses.some((a) => a.publicIp === ip));
      if (missing.length > 0) throw awsError('InvalidAddress.NotFound', `Address '${missing.join(', ')}' not found.`);
      addresses = addresses.filter((a) => wanted.includes(a.publicIp));
    }
    return { Addresses: applyFilters(addresses, input.Filters, this.addressFilters).map((a) => this.toAddress(a)) };
  }

  releaseAddress(input: EC2.ReleaseAddressCommandInput): Out<EC2.ReleaseAddressCommandOutput> {
    this.settle();
    if (input.PublicIp && !input.AllocationId) throw new SandboxNotModelled('the sandbox releases Elastic IPs by AllocationId');
    const address = getRecord(this.data.addresses, input.AllocationId, 'address');
    if (address.association) throw awsError('InvalidIPAddress.InUse', `Address ${address.publicIp} is in use.`);
    delete this.data.addresses[address.allocationId];
    return {};
  }

  private addressInstance(address: AddressRecord): string | undefined {
    const eniId = address.association?.networkInterfaceId;
    return eniId ? this.data.networkInterfaces[eniId]?.attachment?.instanceId : undefined;
  }

  private toAddress(address: AddressRecord): EC2.Address {
    return {
      AllocationId: address.allocationId,
      PublicIp: address.publicIp,
      Domain: 'vpc',
      PublicIpv4Pool: 'amazon',
      NetworkBorderGroup: this.world.region,
      AssociationId: address.association?.id,
      NetworkInterfaceId: address.association?.networkInterfaceId,
      NetworkInterfaceOwnerId: address.association ? this.world.account : undefined,
      PrivateIpAddress: address.association?.privateIp,
      InstanceId: this.addressInstance(address),
      Tags: tagList(address.tags),
    };
  }

  // -------------------------------------------------------------------------------------------
  // NAT gateways: pending → available (or failed), deleting → deleted; deleted ones stay visible.

  private readonly natGatewayFilters: FilterTable<NatGatewayRecord> = {
    'nat-gateway-id': (n) => n.id,
    state: (n) => n.state,
    'subnet-id': (n) => n.subnetId,
    'vpc-id': (n) => n.vpcId,
  };

  createNatGateway(input: EC2.CreateNatGatewayCommandInput): Out<EC2.CreateNatGatewayCommandOutput> {
    this.settle();
    const replayed = this.replay('CreateNatGateway', input.ClientToken, input);
    if (replayed) return { ClientToken: input.ClientToken, NatGateway: this.toNatGateway(getRecord(this.data.natGateways, replayed[0], 'natGateway')) };

    if (input.ConnectivityType === 'private' || input.SecondaryAllocationIds?.length || input.AvailabilityMode) {
      throw new SandboxNotModelled('the sandbox models public zonal NAT gateways with one Elastic IP');
    }
    const subnet = getRecord(this.data.subnets, input.SubnetId, 'subnet');
    const address = getRecord(this.data.addresses, input.AllocationId, 'address');
    const tags = specTags(input.TagSpecifications, 'natgateway');
    const id = this.world.newId('nat');
    // AWS accepts the request and lets the gateway fail later for these two.
    const hasInternetGateway = Object.values(this.data.internetGateways).some((g) => g.vpcId === subnet.vpcId);
    const failure = address.association
      ? { code: 'Resource.AlreadyAssociated', message: `Elastic IP address [${address.allocationId}] is already associated` }
      : !hasInternetGateway
        ? { code: 'Gateway.NotAttached', message: `Network ${subnet.vpcId} has no Internet gateway attached` }
        : undefined;
    const eni = this.createNetworkInterface(subnet, {
      groupIds: [],
      description: `Interface for NAT Gateway ${id}`,
      requesterManaged: true,
      requesterId: 'amazon-nat-gateway',
      interfaceType: 'natGateway',
      attachment: { instanceOwnerId: 'amazon-aws', deviceIndex: 1, deleteOnTermination: false },
    });
    if (!failure) {
      const associationId = this.world.newId('eipassoc');
      address.association = { id: associationId, networkInterfaceId: eni.id, privateIp: eni.privateIp };
      eni.publicIp = { ip: address.publicIp, allocationId: address.allocationId, associationId };
    }
    const nat: NatGatewayRecord = {
      id,
      subnetId: subnet.id,
      vpcId: subnet.vpcId,
      allocationId: address.allocationId,
      networkInterfaceId: eni.id,
      privateIp: eni.privateIp,
      publicIp: address.publicIp,
      state: 'pending',
      readyAt: this.world.readyAt('ec2.natGateway.available'),
      createTime: this.nowIso(),
      failure,
      clientToken: input.ClientToken,
      tags,
    };
    this.data.natGateways[id] = nat;
    this.remember('CreateNatGateway', input.ClientToken, input, [id]);
    return { ClientToken: input.ClientToken, NatGateway: this.toNatGateway(nat) };
  }

  describeNatGateways(input: EC2.DescribeNatGatewaysCommandInput): Out<EC2.DescribeNatGatewaysCommandOutput> {
    this.settle();
    const gateways = applyFilters(pick(this.data.natGateways, input.NatGatewayIds, 'natGateway'), input.Filter, this.natGatewayFilters);
    return { NatGateways: gateways.map((n) => this.toNatGateway(n)) };
  }

  deleteNatGateway(input: EC2.DeleteNatGatewayCommandInput): Out<EC2.DeleteNatGatewayCommandOutput> {
    this.settle();
    const nat = getRecord(this.data.natGateways, input.NatGatewayId, 'natGateway');
    if (nat.state === 'pending' || nat.state === 'available' || nat.state === 'failed') {
      nat.state = 'deleting';
      nat.readyAt = this.world.readyAt('ec2.natGateway.deleted');
    }
    return { NatGatewayId: nat.id };
  }

  private toNatGateway(nat: NatGatewayRecord): EC2.NatGateway {
    const address = this.data.addresses[nat.allocationId];
    const associated = address?.association?.networkInterfaceId === nat.networkInterfaceId;
    return {
      NatGatewayId: nat.id,
      SubnetId: nat.subnetId,
      VpcId: nat.vpcId,
      State: nat.state,
      ConnectivityType: 'public',
      CreateTime: new Date(nat.createTime),
      DeleteTime: nat.deleteTime ? new Date(nat.deleteTime) : undefined,
      FailureCode: nat.state === 'failed' ? nat.failure?.code : undefined,
      FailureMessage: nat.state === 'failed' ? nat.failure?.message : undefined,
      NatGatewayAddresses: [
        {
          AllocationId: nat.allocationId,
          NetworkInterfaceId: nat.networkInterfaceId,
          PrivateIp: nat.privateIp,
          PublicIp: nat.publicIp,
          AssociationId: associated ? address?.association?.id : undefined,
          IsPrimary: true,
          Status: associated ? 'succeeded' : nat.state === 'failed' ? 'failed' : 'disassociating',
        },
      ],
      Tags: tagList(nat.tags),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Inventory: live resources with keys that survive a re-run (Name tags, CIDRs, group names).

  inventory(): InventoryItem[] {
    this.settle();
    const d = this.data;
    const items: InventoryItem[] = [];
    const add = (type: string, id: string, tags: Tags, fallbackKey: string) =>
      items.push({ service: 'ec2', type, id, tags: { ...tags }, key: tags.Name ?? fallbackKey });
    const vpcKey = (vpcId: string | undefined) => {
      const vpc = vpcId ? d.vpcs[vpcId] : undefined;
      return vpc ? (vpc.tags.Name ?? vpc.cidrBlock) : 'detached';
    };
    for (const vpc of Object.values(d.vpcs)) add('vpc', vpc.id, vpc.tags, vpc.cidrBlock);
    for (const subnet of Object.values(d.subnets)) add('subnet', subnet.id, subnet.tags, `${vpcKey(subnet.vpcId)}:${subnet.cidrBlock}`);
    for (const gateway of Object.values(d.internetGateways)) add('internet-gateway', gateway.id, gateway.tags, `${vpcKey(gateway.vpcId)}:igw`);
    for (const table of Object.values(d.routeTables)) {
      if (this.isMain(table)) continue;
      const tableKey = table.tags.Name ?? `${vpcKey(table.vpcId)}:${table.associations.map((a) => d.subnets[a.subnetId ?? '']?.cidrBlock).join(',')}`;
      add('route-table', table.id, table.tags, tableKey);
      for (const route of table.routes) {
        if (route.gatewayId === 'local') continue;
        const destination = route.destinationCidrBlock;
        items.push({ service: 'ec2', type: 'route', id: `${table.id}:${destination}`, tags: {}, key: `${tableKey}:${destination}` });
      }
    }
    for (const group of Object.values(d.securityGroups)) {
      if (group.name !== 'default') add('security-group', group.id, group.tags, `${vpcKey(group.vpcId)}:${group.name}`);
    }
    for (const instance of Object.values(d.instances)) {
      if (instance.state === 'terminated') continue;
      add('instance', instance.id, instance.tags, `${instance.instanceType}:${d.images[instance.imageId]?.name ?? instance.imageId}`);
    }
    for (const address of Object.values(d.addresses)) add('elastic-ip', address.allocationId, address.tags, 'elastic-ip');
    for (const nat of Object.values(d.natGateways)) {
      if (nat.state !== 'deleted') add('nat-gateway', nat.id, nat.tags, `${vpcKey(nat.vpcId)}:${d.subnets[nat.subnetId]?.cidrBlock ?? nat.subnetId}`);
    }
    return items;
  }
}

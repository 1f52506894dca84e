// EC2's VPC pieces (simulated): availability zones, VPCs and their attributes, subnets, internet
// gateways. A VPC comes with its main route table and default security group, and goes with them.
import type * as EC2 from '@aws-sdk/client-ec2';
import type { Out } from '../../kernel/service';
import { awsError, SandboxNotModelled } from '../../kernel/errors';
import type { Tags } from '../../kernel/tags';
import { Ec2Family, dependencyViolation, getRecord, parseCidrParam, pick, required, specTags, tagList } from './family';
import { applyFilters, type FilterTable } from './filters';
import { describePage } from './pages';
import { cidrContains, cidrSize, cidrsOverlap, RESERVED_PER_SUBNET } from './net';
import type { InternetGatewayRecord, RouteTableRecord, SubnetRecord, VpcRecord } from './records';
import { isMainTable } from './route-tables';

/** eu-west-3 → euw3, ap-southeast-2 → apse2: the prefix of AWS's zone IDs. */
function regionCode(region: string): string {
  const [area = '', direction = '', number = ''] = region.split('-');
  const short = direction.replace('north', 'n').replace('south', 's').replace('east', 'e').replace('west', 'w').replace('central', 'c');
  return `${area}${short}${number}`;
}

const ZONE_LETTERS = ['a', 'b', 'c'];

export class Vpcs extends Ec2Family {
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
    const cidr = parseCidrParam(cidrBlock, 'cidrBlock');
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
    const page = describePage(this.world, pick(this.data.vpcs, input.VpcIds, 'vpc'), input, { operation: 'DescribeVpcs', max: 1000 }, (vpcs) =>
      applyFilters(vpcs, input.Filters, this.vpcFilters),
    );
    return { Vpcs: page.items.map((v) => this.toVpc(v)), ...page.token };
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
      inVpc(d.routeTables).some((t) => !isMainTable(t)) ||
      inVpc(d.networkInterfaces).length > 0 ||
      inVpc(d.vpcEndpoints).some((e) => e.state !== 'deleted');
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
    const cidr = parseCidrParam(cidrBlock, 'cidrBlock');
    if (cidr.prefix > 28 || !cidrContains(parseCidrParam(vpc.cidrBlock, 'cidrBlock'), cidr)) {
      throw awsError('InvalidSubnet.Range', `The CIDR '${cidrBlock}' is invalid.`);
    }
    for (const other of Object.values(this.data.subnets)) {
      if (other.vpcId === vpc.id && cidrsOverlap(cidr, parseCidrParam(other.cidrBlock, 'cidrBlock'))) {
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
    const page = describePage(this.world, pick(this.data.subnets, input.SubnetIds, 'subnet'), input, { operation: 'DescribeSubnets', max: 1000 }, (subnets) =>
      applyFilters(subnets, input.Filters, this.subnetFilters),
    );
    return { Subnets: page.items.map((s) => this.toSubnet(s)), ...page.token };
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

  /** Addresses a subnet still has free for a new network interface (RunInstances checks them). */
  availableAddresses(subnet: SubnetRecord): number {
    const used = Object.values(this.data.networkInterfaces).filter((eni) => eni.subnetId === subnet.id).length;
    return cidrSize(parseCidrParam(subnet.cidrBlock, 'cidrBlock')) - RESERVED_PER_SUBNET - used;
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
    const candidates = pick(this.data.internetGateways, input.InternetGatewayIds, 'internetGateway');
    const page = describePage(this.world, candidates, input, { operation: 'DescribeInternetGateways', max: 1000 }, (gateways) =>
      applyFilters(gateways, input.Filters, this.internetGatewayFilters),
    );
    return { InternetGateways: page.items.map((g) => this.toInternetGateway(g)), ...page.token };
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
}

// EC2 (simulated): the network pieces shipline makes (VPC, subnets, internet gateway, route tables,
// security groups, Elastic IPs, NAT gateways), the instances of a NAT instance, the AMIs it looks
// up, and the network interfaces other services put into a VPC. Behaviour is specified in
// src/sandbox/README.md. One file per resource family holds that family's whole life; this class
// composes them into the one model the dispatcher builds, with the operations AWS names. Slow
// states move on lazily: `settle()` runs at the start of every call and compares the simulated
// clock with the time each transition is due, so there are no timers and a snapshot carries
// pending transitions along.
import type * as EC2 from '@aws-sdk/client-ec2';
import { type InventoryItem, type Out, SandboxService } from '../../kernel/service';
import type { Tags } from '../../kernel/tags';
import type { SandboxWorld } from '../../kernel/world';
import { ClientTokens } from './client-tokens';
import type { Ec2Scope } from './family';
import { Instances } from './instances';
import { NatGateways } from './nat-gateways';
import { NetworkInterfaces } from './network-interfaces';
import { type Ec2Data, seedImages } from './records';
import { isMainTable, RouteTables } from './route-tables';
import { SecurityGroups } from './security-groups';
import { Ec2Tags } from './tags';
import { VpcEndpoints } from './vpc-endpoints';
import { Vpcs } from './vpcs';

export type { Ec2Data } from './records';
export { instanceTypeArchitecture } from './instances';

export class Ec2Sandbox extends SandboxService<Ec2Data> {
  readonly service = 'ec2' as const;
  private readonly tags: Ec2Tags;
  private readonly vpcs: Vpcs;
  private readonly routeTables: RouteTables;
  private readonly securityGroups: SecurityGroups;
  private readonly interfaces: NetworkInterfaces;
  private readonly instances: Instances;
  private readonly natGateways: NatGateways;
  private readonly vpcEndpoints: VpcEndpoints;

  constructor(world: SandboxWorld, data: Ec2Data) {
    // A snapshot saved before a collection existed (`--sandbox` keeps them on disk) still loads.
    super(world, { ...Ec2Sandbox.empty(), ...data });
    const scope: Ec2Scope = { world, data: () => this.data, settle: () => this.settle() };
    const tokens = new ClientTokens(scope);
    this.tags = new Ec2Tags(scope);
    this.vpcs = new Vpcs(scope);
    this.routeTables = new RouteTables(scope);
    this.securityGroups = new SecurityGroups(scope);
    this.interfaces = new NetworkInterfaces(scope, { securityGroups: this.securityGroups });
    this.instances = new Instances(scope, { vpcs: this.vpcs, securityGroups: this.securityGroups, interfaces: this.interfaces, tokens });
    this.natGateways = new NatGateways(scope, { interfaces: this.interfaces, tokens });
    this.vpcEndpoints = new VpcEndpoints(scope);
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
      vpcEndpoints: {},
      clientTokens: {},
      publicIpCounter: 0,
    };
  }

  /** Slow transitions, applied when their time has come: instances and NAT gateways first, as they let go of interfaces. */
  private settle(): void {
    this.instances.advance();
    this.natGateways.advance();
    this.interfaces.advance();
  }

  // Tags

  createTags(input: EC2.CreateTagsCommandInput): Out<EC2.CreateTagsCommandOutput> {
    return this.tags.createTags(input);
  }

  deleteTags(input: EC2.DeleteTagsCommandInput): Out<EC2.DeleteTagsCommandOutput> {
    return this.tags.deleteTags(input);
  }

  describeTags(input: EC2.DescribeTagsCommandInput): Out<EC2.DescribeTagsCommandOutput> {
    return this.tags.describeTags(input);
  }

  // Availability zones, VPCs, subnets, internet gateways (vpcs.ts)

  describeAvailabilityZones(input: EC2.DescribeAvailabilityZonesCommandInput): Out<EC2.DescribeAvailabilityZonesCommandOutput> {
    return this.vpcs.describeAvailabilityZones(input);
  }

  createVpc(input: EC2.CreateVpcCommandInput): Out<EC2.CreateVpcCommandOutput> {
    return this.vpcs.createVpc(input);
  }

  describeVpcs(input: EC2.DescribeVpcsCommandInput): Out<EC2.DescribeVpcsCommandOutput> {
    return this.vpcs.describeVpcs(input);
  }

  modifyVpcAttribute(input: EC2.ModifyVpcAttributeCommandInput): Out<EC2.ModifyVpcAttributeCommandOutput> {
    return this.vpcs.modifyVpcAttribute(input);
  }

  describeVpcAttribute(input: EC2.DescribeVpcAttributeCommandInput): Out<EC2.DescribeVpcAttributeCommandOutput> {
    return this.vpcs.describeVpcAttribute(input);
  }

  deleteVpc(input: EC2.DeleteVpcCommandInput): Out<EC2.DeleteVpcCommandOutput> {
    return this.vpcs.deleteVpc(input);
  }

  createSubnet(input: EC2.CreateSubnetCommandInput): Out<EC2.CreateSubnetCommandOutput> {
    return this.vpcs.createSubnet(input);
  }

  describeSubnets(input: EC2.DescribeSubnetsCommandInput): Out<EC2.DescribeSubnetsCommandOutput> {
    return this.vpcs.describeSubnets(input);
  }

  modifySubnetAttribute(input: EC2.ModifySubnetAttributeCommandInput): Out<EC2.ModifySubnetAttributeCommandOutput> {
    return this.vpcs.modifySubnetAttribute(input);
  }

  deleteSubnet(input: EC2.DeleteSubnetCommandInput): Out<EC2.DeleteSubnetCommandOutput> {
    return this.vpcs.deleteSubnet(input);
  }

  createInternetGateway(input: EC2.CreateInternetGatewayCommandInput): Out<EC2.CreateInternetGatewayCommandOutput> {
    return this.vpcs.createInternetGateway(input);
  }

  describeInternetGateways(input: EC2.DescribeInternetGatewaysCommandInput): Out<EC2.DescribeInternetGatewaysCommandOutput> {
    return this.vpcs.describeInternetGateways(input);
  }

  attachInternetGateway(input: EC2.AttachInternetGatewayCommandInput): Out<EC2.AttachInternetGatewayCommandOutput> {
    return this.vpcs.attachInternetGateway(input);
  }

  detachInternetGateway(input: EC2.DetachInternetGatewayCommandInput): Out<EC2.DetachInternetGatewayCommandOutput> {
    return this.vpcs.detachInternetGateway(input);
  }

  deleteInternetGateway(input: EC2.DeleteInternetGatewayCommandInput): Out<EC2.DeleteInternetGatewayCommandOutput> {
    return this.vpcs.deleteInternetGateway(input);
  }

  // Route tables and routes (route-tables.ts)

  createRouteTable(input: EC2.CreateRouteTableCommandInput): Out<EC2.CreateRouteTableCommandOutput> {
    return this.routeTables.createRouteTable(input);
  }

  describeRouteTables(input: EC2.DescribeRouteTablesCommandInput): Out<EC2.DescribeRouteTablesCommandOutput> {
    return this.routeTables.describeRouteTables(input);
  }

  associateRouteTable(input: EC2.AssociateRouteTableCommandInput): Out<EC2.AssociateRouteTableCommandOutput> {
    return this.routeTables.associateRouteTable(input);
  }

  disassociateRouteTable(input: EC2.DisassociateRouteTableCommandInput): Out<EC2.DisassociateRouteTableCommandOutput> {
    return this.routeTables.disassociateRouteTable(input);
  }

  createRoute(input: EC2.CreateRouteCommandInput): Out<EC2.CreateRouteCommandOutput> {
    return this.routeTables.createRoute(input);
  }

  replaceRoute(input: EC2.ReplaceRouteCommandInput): Out<EC2.ReplaceRouteCommandOutput> {
    return this.routeTables.replaceRoute(input);
  }

  deleteRoute(input: EC2.DeleteRouteCommandInput): Out<EC2.DeleteRouteCommandOutput> {
    return this.routeTables.deleteRoute(input);
  }

  deleteRouteTable(input: EC2.DeleteRouteTableCommandInput): Out<EC2.DeleteRouteTableCommandOutput> {
    return this.routeTables.deleteRouteTable(input);
  }

  // Security groups and their rules (security-groups.ts)

  createSecurityGroup(input: EC2.CreateSecurityGroupCommandInput): Out<EC2.CreateSecurityGroupCommandOutput> {
    return this.securityGroups.createSecurityGroup(input);
  }

  describeSecurityGroups(input: EC2.DescribeSecurityGroupsCommandInput): Out<EC2.DescribeSecurityGroupsCommandOutput> {
    return this.securityGroups.describeSecurityGroups(input);
  }

  authorizeSecurityGroupIngress(input: EC2.AuthorizeSecurityGroupIngressCommandInput): Out<EC2.AuthorizeSecurityGroupIngressCommandOutput> {
    return this.securityGroups.authorizeSecurityGroupIngress(input);
  }

  authorizeSecurityGroupEgress(input: EC2.AuthorizeSecurityGroupEgressCommandInput): Out<EC2.AuthorizeSecurityGroupEgressCommandOutput> {
    return this.securityGroups.authorizeSecurityGroupEgress(input);
  }

  revokeSecurityGroupIngress(input: EC2.RevokeSecurityGroupIngressCommandInput): Out<EC2.RevokeSecurityGroupIngressCommandOutput> {
    return this.securityGroups.revokeSecurityGroupIngress(input);
  }

  revokeSecurityGroupEgress(input: EC2.RevokeSecurityGroupEgressCommandInput): Out<EC2.RevokeSecurityGroupEgressCommandOutput> {
    return this.securityGroups.revokeSecurityGroupEgress(input);
  }

  deleteSecurityGroup(input: EC2.DeleteSecurityGroupCommandInput): Out<EC2.DeleteSecurityGroupCommandOutput> {
    return this.securityGroups.deleteSecurityGroup(input);
  }

  // Network interfaces (network-interfaces.ts)

  describeNetworkInterfaces(input: EC2.DescribeNetworkInterfacesCommandInput): Out<EC2.DescribeNetworkInterfacesCommandOutput> {
    return this.interfaces.describeNetworkInterfaces(input);
  }

  modifyNetworkInterfaceAttribute(input: EC2.ModifyNetworkInterfaceAttributeCommandInput): Out<EC2.ModifyNetworkInterfaceAttributeCommandOutput> {
    return this.interfaces.modifyNetworkInterfaceAttribute(input);
  }

  deleteNetworkInterface(input: EC2.DeleteNetworkInterfaceCommandInput): Out<EC2.DeleteNetworkInterfaceCommandOutput> {
    return this.interfaces.deleteNetworkInterface(input);
  }

  /** Not an AWS operation: another service puts an in-use interface into a subnet (network-interfaces.ts). */
  attachServiceEni(input: { subnetId: string; groupIds: string[]; description: string; requesterId: string; publicIp?: boolean }): string {
    return this.interfaces.attachServiceEni(input);
  }

  /** Not an AWS operation: the owning service let go; the interface goes after `linger`. */
  releaseServiceEni(eniId: string, linger: 'ec2.eni.elb.released' | 'ec2.eni.task.released'): void {
    this.interfaces.releaseServiceEni(eniId, linger);
  }

  /** For tests: an interface a deleted service left behind, shown for `reads` more describe calls. */
  simulateLingeringEni(input: { subnetId: string; groupIds: string[]; reads: number; publicIp?: boolean }): string {
    return this.interfaces.simulateLingeringEni(input);
  }

  // Images and instances (instances.ts)

  describeImages(input: EC2.DescribeImagesCommandInput): Out<EC2.DescribeImagesCommandOutput> {
    return this.instances.describeImages(input);
  }

  runInstances(input: EC2.RunInstancesCommandInput): Out<EC2.RunInstancesCommandOutput> {
    return this.instances.runInstances(input);
  }

  describeInstances(input: EC2.DescribeInstancesCommandInput): Out<EC2.DescribeInstancesCommandOutput> {
    return this.instances.describeInstances(input);
  }

  terminateInstances(input: EC2.TerminateInstancesCommandInput): Out<EC2.TerminateInstancesCommandOutput> {
    return this.instances.terminateInstances(input);
  }

  stopInstances(input: EC2.StopInstancesCommandInput): Out<EC2.StopInstancesCommandOutput> {
    return this.instances.stopInstances(input);
  }

  startInstances(input: EC2.StartInstancesCommandInput): Out<EC2.StartInstancesCommandOutput> {
    return this.instances.startInstances(input);
  }

  modifyInstanceAttribute(input: EC2.ModifyInstanceAttributeCommandInput): Out<EC2.ModifyInstanceAttributeCommandOutput> {
    return this.instances.modifyInstanceAttribute(input);
  }

  modifyInstanceMetadataOptions(input: EC2.ModifyInstanceMetadataOptionsCommandInput): Out<EC2.ModifyInstanceMetadataOptionsCommandOutput> {
    return this.instances.modifyInstanceMetadataOptions(input);
  }

  // Elastic IPs and NAT gateways (nat-gateways.ts)

  allocateAddress(input: EC2.AllocateAddressCommandInput): Out<EC2.AllocateAddressCommandOutput> {
    return this.natGateways.allocateAddress(input);
  }

  describeAddresses(input: EC2.DescribeAddressesCommandInput): Out<EC2.DescribeAddressesCommandOutput> {
    return this.natGateways.describeAddresses(input);
  }

  releaseAddress(input: EC2.ReleaseAddressCommandInput): Out<EC2.ReleaseAddressCommandOutput> {
    return this.natGateways.releaseAddress(input);
  }

  createNatGateway(input: EC2.CreateNatGatewayCommandInput): Out<EC2.CreateNatGatewayCommandOutput> {
    return this.natGateways.createNatGateway(input);
  }

  describeNatGateways(input: EC2.DescribeNatGatewaysCommandInput): Out<EC2.DescribeNatGatewaysCommandOutput> {
    return this.natGateways.describeNatGateways(input);
  }

  deleteNatGateway(input: EC2.DeleteNatGatewayCommandInput): Out<EC2.DeleteNatGatewayCommandOutput> {
    return this.natGateways.deleteNatGateway(input);
  }

  // VPC endpoints (vpc-endpoints.ts)

  createVpcEndpoint(input: EC2.CreateVpcEndpointCommandInput): Out<EC2.CreateVpcEndpointCommandOutput> {
    return this.vpcEndpoints.createVpcEndpoint(input);
  }

  describeVpcEndpoints(input: EC2.DescribeVpcEndpointsCommandInput): Out<EC2.DescribeVpcEndpointsCommandOutput> {
    return this.vpcEndpoints.describeVpcEndpoints(input);
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
      if (isMainTable(table)) continue;
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
    for (const endpoint of Object.values(d.vpcEndpoints)) {
      if (endpoint.state !== 'deleted') add('vpc-endpoint', endpoint.id, endpoint.tags, `${vpcKey(endpoint.vpcId)}:${endpoint.serviceName}`);
    }
    return items;
  }
}

// EC2's route tables and routes (simulated): a table per VPC or subnet, routes to an internet
// gateway, a NAT gateway, an instance or a network interface, blackholed once the target is gone.
import type * as EC2 from '@aws-sdk/client-ec2';
import type { Out } from '../../kernel/service';
import { awsError, SandboxNotModelled } from '../../kernel/errors';
import { Ec2Family, dependencyViolation, getRecord, parseCidrParam, pick, required, specTags, tagList } from './family';
import { applyFilters, type FilterTable } from './filters';
import { describePage } from './pages';
import type { NetworkInterfaceRecord, RouteRecord, RouteTableRecord } from './records';

/** The VPC's main table: it goes only with its VPC, and inventories leave it out. */
export function isMainTable(table: RouteTableRecord): boolean {
  return table.associations.some((a) => a.main);
}

export class RouteTables extends Ec2Family {
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
    // DescribeRouteTables takes at most 100 a page, where the other VPC describes take 1000.
    const page = describePage(this.world, pick(this.data.routeTables, input.RouteTableIds, 'routeTable'), input, { operation: 'DescribeRouteTables', max: 100 }, (tables) =>
      applyFilters(tables, input.Filters, this.routeTableFilters),
    );
    return { RouteTables: page.items.map((t) => this.toRouteTable(t)), ...page.token };
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

  private routeDestination(input: { DestinationCidrBlock?: string; DestinationIpv6CidrBlock?: string; DestinationPrefixListId?: string }): string {
    if (input.DestinationIpv6CidrBlock || input.DestinationPrefixListId) {
      throw new SandboxNotModelled('the sandbox models IPv4 CIDR route destinations only');
    }
    const destination = required(input.DestinationCidrBlock, 'destinationCidrBlock');
    parseCidrParam(destination, 'destinationCidrBlock');
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
}

// EC2's VPC endpoints (simulated): gateway endpoints (S3, DynamoDB) that add their prefix list to
// route tables, and interface endpoints (PrivateLink) in subnets, one per availability zone, with
// private DNS on by default. shipline only reads them (an imported VPC's way out, issue 14): the
// tests create them as a company's network has them, so they are available at once and their
// interfaces are not modelled.
import type * as EC2 from '@aws-sdk/client-ec2';
import type { Out } from '../../kernel/service';
import { awsError } from '../../kernel/errors';
import { Ec2Family, getRecord, pick, required, specTags, tagList } from './family';
import { applyFilters, type FilterTable } from './filters';
import { describePage } from './pages';
import type { VpcEndpointRecord } from './records';

/** The AWS services the sandbox offers endpoints for, and which type each takes. */
const GATEWAY_SERVICES = ['s3', 'dynamodb'];
const INTERFACE_SERVICES = ['ecr.api', 'ecr.dkr', 'logs', 'ssm', 'ssmmessages', 'secretsmanager', 'kms', 'sts', 'ecs', 'ecs-agent', 'ecs-telemetry', 's3', 'elasticloadbalancing'];

/** DescribeVpcEndpoints: "If the value is greater than 1,000, we return only 1,000 items" (no refusal). */
const MAX_PAGE = 1000;

export class VpcEndpoints extends Ec2Family {
  private readonly filters: FilterTable<VpcEndpointRecord> = {
    'vpc-endpoint-id': (e) => e.id,
    'vpc-id': (e) => e.vpcId,
    'service-name': (e) => e.serviceName,
    'vpc-endpoint-type': (e) => e.type,
    'vpc-endpoint-state': (e) => e.state,
    'ip-address-type': () => 'ipv4',
    'service-region': () => this.world.region,
  };

  createVpcEndpoint(input: EC2.CreateVpcEndpointCommandInput): Out<EC2.CreateVpcEndpointCommandOutput> {
    this.settle();
    const vpc = getRecord(this.data.vpcs, input.VpcId, 'vpc');
    const serviceName = required(input.ServiceName, 'ServiceName');
    // AWS's default type is Gateway.
    const type: VpcEndpointRecord['type'] = input.VpcEndpointType === 'Interface' ? 'Interface' : input.VpcEndpointType === 'GatewayLoadBalancer' ? 'GatewayLoadBalancer' : 'Gateway';
    const prefix = `com.amazonaws.${this.world.region}.`;
    const service = serviceName.startsWith(prefix) ? serviceName.slice(prefix.length) : undefined;
    const offered = type === 'Gateway' ? GATEWAY_SERVICES : type === 'Interface' ? INTERFACE_SERVICES : [];
    if (service === undefined || !offered.includes(service)) {
      throw awsError('InvalidServiceName', `The Vpc Endpoint Service '${serviceName}' does not exist`);
    }
    const routeTableIds = type === 'Gateway' ? [...new Set(input.RouteTableIds ?? [])] : [];
    for (const id of routeTableIds) {
      if (getRecord(this.data.routeTables, id, 'routeTable').vpcId !== vpc.id) {
        throw awsError('InvalidParameter', `Route table ${id} does not belong to vpc ${vpc.id}`);
      }
    }
    const subnetIds = type === 'Interface' ? [...new Set(input.SubnetIds ?? [])] : [];
    const zones = new Set<string>();
    for (const id of subnetIds) {
      const subnet = getRecord(this.data.subnets, id, 'subnet');
      if (subnet.vpcId !== vpc.id) throw awsError('InvalidParameter', `Subnet ${id} does not belong to vpc ${vpc.id}`);
      if (zones.has(subnet.availabilityZone)) {
        throw awsError('DuplicateSubnetsInSameZone', `Found another VPC endpoint subnet in the availability zone of ${id}. VPC endpoint subnets should be in different availability zones supported by the VPC endpoint service.`);
      }
      zones.add(subnet.availabilityZone);
    }
    const endpoint: VpcEndpointRecord = {
      id: this.world.newId('vpce'),
      vpcId: vpc.id,
      serviceName,
      type,
      state: 'available',
      routeTableIds,
      subnetIds,
      privateDnsEnabled: type === 'Interface' ? (input.PrivateDnsEnabled ?? true) : false,
      creationTimestamp: this.nowIso(),
      tags: specTags(input.TagSpecifications, 'vpc-endpoint'),
    };
    this.data.vpcEndpoints[endpoint.id] = endpoint;
    return { VpcEndpoint: this.toEndpoint(endpoint) };
  }

  describeVpcEndpoints(input: EC2.DescribeVpcEndpointsCommandInput): Out<EC2.DescribeVpcEndpointsCommandOutput> {
    this.settle();
    const capped = input.MaxResults !== undefined ? { ...input, MaxResults: Math.min(input.MaxResults, MAX_PAGE) } : input;
    const page = describePage(this.world, pick(this.data.vpcEndpoints, input.VpcEndpointIds, 'vpcEndpoint'), capped, { operation: 'DescribeVpcEndpoints', max: MAX_PAGE }, (endpoints) =>
      applyFilters(endpoints, input.Filters, this.filters),
    );
    return { VpcEndpoints: page.items.map((e) => this.toEndpoint(e)), ...page.token };
  }

  private toEndpoint(e: VpcEndpointRecord): EC2.VpcEndpoint {
    return {
      VpcEndpointId: e.id,
      VpcEndpointType: e.type,
      VpcId: e.vpcId,
      ServiceName: e.serviceName,
      State: e.state as EC2.State,
      RouteTableIds: e.routeTableIds,
      SubnetIds: e.subnetIds,
      PrivateDnsEnabled: e.privateDnsEnabled,
      RequesterManaged: false,
      NetworkInterfaceIds: [],
      CreationTimestamp: new Date(e.creationTimestamp),
      OwnerId: this.world.account,
      Tags: tagList(e.tags),
    };
  }
}

// EC2's Elastic IPs and NAT gateways (simulated): an address allocated, associated with a NAT
// gateway's interface and released; a gateway pending → available (or failed), deleting → deleted,
// its client token replayed, deleted ones still visible.
import type * as EC2 from '@aws-sdk/client-ec2';
import { awsError, SandboxNotModelled } from '../../kernel/errors';
import type { Out } from '../../kernel/service';
import type { ClientTokens } from './client-tokens';
import { Ec2Family, type Ec2Scope, getRecord, pick, specTags, tagList } from './family';
import { applyFilters, type FilterTable } from './filters';
import { describePage } from './pages';
import type { NetworkInterfaces } from './network-interfaces';
import type { AddressRecord, NatGatewayRecord } from './records';

export class NatGateways extends Ec2Family {
  constructor(
    scope: Ec2Scope,
    private readonly peers: { interfaces: NetworkInterfaces; tokens: ClientTokens },
  ) {
    super(scope);
  }

  /** Gateways whose latency has passed move on; a failed or deleted one's interface goes. */
  advance(): void {
    for (const nat of Object.values(this.data.natGateways)) {
      if (!this.world.isPast(nat.readyAt)) continue;
      if (nat.state === 'pending' && nat.failure) {
        nat.state = 'failed';
        this.peers.interfaces.removeNetworkInterface(nat.networkInterfaceId);
      } else if (nat.state === 'pending') nat.state = 'available';
      else if (nat.state === 'deleting') {
        nat.state = 'deleted';
        nat.deleteTime = this.nowIso();
        this.peers.interfaces.removeNetworkInterface(nat.networkInterfaceId);
      }
    }
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
      publicIp: this.peers.interfaces.nextPublicIp(),
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
    const replayed = this.peers.tokens.replay('CreateNatGateway', input.ClientToken, input);
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
    const eni = this.peers.interfaces.createNetworkInterface(subnet, {
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
    this.peers.tokens.remember('CreateNatGateway', input.ClientToken, input, [id]);
    return { ClientToken: input.ClientToken, NatGateway: this.toNatGateway(nat) };
  }

  describeNatGateways(input: EC2.DescribeNatGatewaysCommandInput): Out<EC2.DescribeNatGatewaysCommandOutput> {
    this.settle();
    const page = describePage(this.world, pick(this.data.natGateways, input.NatGatewayIds, 'natGateway'), input, { operation: 'DescribeNatGateways', max: 1000 }, (gateways) =>
      applyFilters(gateways, input.Filter, this.natGatewayFilters),
    );
    return { NatGateways: page.items.map((n) => this.toNatGateway(n)), ...page.token };
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
}

// EC2's network interfaces (simulated): an instance's, a NAT gateway's, and those other services
// (a load balancer's nodes, a Fargate task) put in a VPC, released after their service's delay.
import type * as EC2 from '@aws-sdk/client-ec2';
import type { Out } from '../../kernel/service';
import { awsError } from '../../kernel/errors';
import { type Tags, tagsToList } from '../../kernel/tags';
import { Ec2Family, type Ec2Scope, getRecord, noFreeAddress, parseCidrParam, pick } from './family';
import { applyFilters, type FilterTable } from './filters';
import { describePage } from './pages';
import { intToIp, ipToInt, nextFreeAddress } from './net';
import type { NetworkInterfaceRecord, SubnetRecord } from './records';
import type { SecurityGroups } from './security-groups';

const PUBLIC_IP_BASE = ipToInt('15.236.0.0') ?? 0;

export class NetworkInterfaces extends Ec2Family {
  constructor(
    scope: Ec2Scope,
    private readonly peers: { securityGroups: SecurityGroups },
  ) {
    super(scope);
  }

  /** Released interfaces, and lingering ones read often enough, go. */
  advance(): void {
    for (const eni of Object.values(this.data.networkInterfaces)) {
      const released = eni.releaseAt !== undefined && this.world.isPast(eni.releaseAt);
      const doneLingering = eni.lingerReads !== undefined && eni.lingerReads <= 0;
      if (released || doneLingering) this.removeNetworkInterface(eni.id);
    }
  }

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
    const candidates = pick(this.data.networkInterfaces, input.NetworkInterfaceIds, 'networkInterface');
    const paging = { operation: 'DescribeNetworkInterfaces', max: 1000, ids: { given: input.NetworkInterfaceIds, name: 'networkInterfaceIdSet' } };
    const page = describePage(this.world, candidates, input, paging, (enis) => applyFilters(enis, input.Filters, this.networkInterfaceFilters));
    for (const eni of page.items) if (eni.lingerReads !== undefined) eni.lingerReads -= 1;
    return { NetworkInterfaces: page.items.map((e) => this.toNetworkInterface(e)), ...page.token };
  }

  modifyNetworkInterfaceAttribute(input: EC2.ModifyNetworkInterfaceAttributeCommandInput): Out<EC2.ModifyNetworkInterfaceAttributeCommandOutput> {
    this.settle();
    const eni = getRecord(this.data.networkInterfaces, input.NetworkInterfaceId, 'networkInterface');
    const subnet = getRecord(this.data.subnets, eni.subnetId, 'subnet');
    if (input.SourceDestCheck?.Value !== undefined) eni.sourceDestCheck = input.SourceDestCheck.Value;
    if (input.Description?.Value !== undefined) eni.description = input.Description.Value;
    if (input.Groups) eni.groupIds = this.peers.securityGroups.groupsForInterface(input.Groups, subnet);
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
      groupIds: this.peers.securityGroups.groupsForInterface(input.groupIds, subnet),
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
      groupIds: this.peers.securityGroups.groupsForInterface(input.groupIds, subnet),
      description: 'Lingering interface of a deleted service',
      requesterManaged: true,
      requesterId: 'amazon-aws',
      attachment: { instanceOwnerId: 'amazon-aws', deviceIndex: 1, deleteOnTermination: false },
    });
    eni.lingerReads = input.reads;
    if (input.publicIp) eni.publicIp = { ip: this.nextPublicIp() };
    return eni.id;
  }

  createNetworkInterface(
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
    const privateIp = nextFreeAddress(parseCidrParam(subnet.cidrBlock, 'cidrBlock'), used);
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
  removeNetworkInterface(eniId: string): void {
    delete this.data.networkInterfaces[eniId];
    for (const address of Object.values(this.data.addresses)) {
      if (address.association?.networkInterfaceId === eniId) delete address.association;
    }
  }

  nextPublicIp(): string {
    this.data.publicIpCounter += 1;
    return intToIp(PUBLIC_IP_BASE + this.data.publicIpCounter);
  }

  privateDnsName(ip: string): string {
    return `ip-${ip.replaceAll('.', '-')}.${this.world.region}.compute.internal`;
  }

  groupIdentifiers(groupIds: readonly string[]): EC2.GroupIdentifier[] {
    return groupIds.map((id) => ({ GroupId: id, GroupName: this.data.securityGroups[id]?.name }));
  }

  eniAssociation(eni: NetworkInterfaceRecord): EC2.NetworkInterfaceAssociation | undefined {
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
}

// EC2's instances and the images they start from (simulated): RunInstances with its client token,
// pending → running, stopping → stopped, shutting-down → terminated, each after its latency; a
// terminated instance loses its network interface. Images are seeded public AMIs, read-only.
import type * as EC2 from '@aws-sdk/client-ec2';
import { awsError, SandboxNotModelled } from '../../kernel/errors';
import type { Out } from '../../kernel/service';
import type { ClientTokens } from './client-tokens';
import { Ec2Family, type Ec2Scope, getRecord, noFreeAddress, pick, required, tagList, tagsBySpec } from './family';
import { applyFilters, type FilterTable } from './filters';
import { describePage } from './pages';
import type { NetworkInterfaces } from './network-interfaces';
import type { Architecture, ImageRecord, InstanceRecord, InstanceState, NetworkInterfaceRecord, SubnetRecord } from './records';
import type { SecurityGroups } from './security-groups';
import type { Vpcs } from './vpcs';

/** Graviton families (t4g, m7g, c6gn, r8gd …) and a1 are arm64; everything else here is x86_64. */
export function instanceTypeArchitecture(instanceType: string): Architecture {
  return /^(a1|[a-z]+\d+g[a-z-]*)\./.test(instanceType) ? 'arm64' : 'x86_64';
}

const INSTANCE_STATE_CODES: Record<InstanceState, number> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 };

export class Instances extends Ec2Family {
  constructor(
    scope: Ec2Scope,
    private readonly peers: { vpcs: Vpcs; securityGroups: SecurityGroups; interfaces: NetworkInterfaces; tokens: ClientTokens },
  ) {
    super(scope);
  }

  /** Instances whose latency has passed move on; a terminated one's interface goes. */
  advance(): void {
    for (const instance of Object.values(this.data.instances)) {
      if (!this.world.isPast(instance.readyAt)) continue;
      if (instance.state === 'pending') instance.state = 'running';
      else if (instance.state === 'stopping') instance.state = 'stopped';
      else if (instance.state === 'shutting-down') {
        instance.state = 'terminated';
        this.peers.interfaces.removeNetworkInterface(instance.networkInterfaceId);
      }
    }
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
    const paging = { operation: 'DescribeImages', max: 1000, ids: { given: input.ImageIds, name: 'imagesSet' } };
    const page = describePage(this.world, images, input, paging, (candidates) => applyFilters(candidates, input.Filters, this.imageFilters));
    return { Images: page.items.map((i) => this.toImage(i)), ...page.token };
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
    const replayed = this.peers.tokens.replay('RunInstances', input.ClientToken, input);
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
    const free = this.peers.vpcs.availableAddresses(subnet);
    if (free < minCount) throw noFreeAddress(subnet.id);
    const imdsV2 = image.imdsSupport === 'v2.0';
    const options = input.MetadataOptions;
    const reservationId = this.world.newId('r');
    const instances: InstanceRecord[] = [];
    for (let index = 0; index < Math.min(maxCount, free); index += 1) {
      const id = this.world.newId('i');
      const eni = this.peers.interfaces.createNetworkInterface(subnet, {
        groupIds,
        description: '',
        requesterManaged: false,
        attachment: { instanceId: id, instanceOwnerId: this.world.account, deviceIndex: 0, deleteOnTermination },
        tags: { ...tags['network-interface'] },
      });
      if (publicIp) eni.publicIp = { ip: this.peers.interfaces.nextPublicIp() };
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
    this.peers.tokens.remember('RunInstances', input.ClientToken, input, instances.map((i) => i.id));
    return this.toReservation(instances);
  }

  describeInstances(input: EC2.DescribeInstancesCommandInput): Out<EC2.DescribeInstancesCommandOutput> {
    this.settle();
    // MaxResults counts instances; a page's instances are grouped by their reservation.
    const paging = { operation: 'DescribeInstances', max: 1000, ids: { given: input.InstanceIds, name: 'instancesSet' } };
    const page = describePage(this.world, pick(this.data.instances, input.InstanceIds, 'instance'), input, paging, (instances) =>
      applyFilters(instances, input.Filters, this.instanceFilters),
    );
    const byReservation = new Map<string, InstanceRecord[]>();
    for (const instance of page.items) byReservation.set(instance.reservationId, [...(byReservation.get(instance.reservationId) ?? []), instance]);
    return { Reservations: [...byReservation.values()].map((group) => this.toReservation(group)), ...page.token };
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
    else if (input.Groups) eni.groupIds = this.peers.securityGroups.groupsForInterface(input.Groups, getRecord(this.data.subnets, eni.subnetId, 'subnet'));
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
    const groupIds = requested.length > 0 ? this.peers.securityGroups.groupsForInterface(requested, subnet) : defaultGroup ? [defaultGroup.id] : [];
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
    const association = eni && this.peers.interfaces.eniAssociation(eni);
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
      PrivateDnsName: eni ? this.peers.interfaces.privateDnsName(eni.privateIp) : '',
      PublicIpAddress: eni?.publicIp?.ip,
      PublicDnsName: '',
      SecurityGroups: eni ? this.peers.interfaces.groupIdentifiers(eni.groupIds) : [],
      SourceDestCheck: eni?.sourceDestCheck,
      NetworkInterfaces: eni
        ? [
            {
              NetworkInterfaceId: eni.id,
              SubnetId: eni.subnetId,
              VpcId: eni.vpcId,
              Description: eni.description,
              Groups: this.peers.interfaces.groupIdentifiers(eni.groupIds),
              MacAddress: eni.macAddress,
              OwnerId: this.world.account,
              PrivateIpAddress: eni.privateIp,
              PrivateDnsName: this.peers.interfaces.privateDnsName(eni.privateIp),
              PrivateIpAddresses: [
                { Primary: true, PrivateIpAddress: eni.privateIp, PrivateDnsName: this.peers.interfaces.privateDnsName(eni.privateIp), Association: association },
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
}

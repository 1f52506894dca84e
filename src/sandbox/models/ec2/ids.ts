// EC2's IDs: the prefix of each resource kind's IDs, the resource type its tags go by, and the code
// and wording AWS answers with when an ID of that kind does not exist.

export const NOT_FOUND = {
  vpc: { code: 'InvalidVpcID.NotFound', what: 'vpc ID', param: 'vpcId' },
  subnet: { code: 'InvalidSubnetID.NotFound', what: 'subnet ID', param: 'subnetId' },
  internetGateway: { code: 'InvalidInternetGatewayID.NotFound', what: 'internetGateway ID', param: 'internetGatewayId' },
  routeTable: { code: 'InvalidRouteTableID.NotFound', what: 'routeTable ID', param: 'routeTableId' },
  securityGroup: { code: 'InvalidGroup.NotFound', what: 'security group', param: 'groupId' },
  image: { code: 'InvalidAMIID.NotFound', what: 'image id', param: 'imageId' },
  instance: { code: 'InvalidInstanceID.NotFound', what: 'instance ID', param: 'instanceId' },
  networkInterface: { code: 'InvalidNetworkInterfaceID.NotFound', what: 'networkInterface ID', param: 'networkInterfaceId' },
  address: { code: 'InvalidAllocationID.NotFound', what: 'allocation ID', param: 'allocationId' },
  natGateway: { code: 'NatGatewayNotFound', what: 'NAT gateway', param: 'natGatewayId' },
  vpcEndpoint: { code: 'InvalidVpcEndpointId.NotFound', what: 'VPC endpoint ID', param: 'vpcEndpointId' },
} as const;
export type Kind = keyof typeof NOT_FOUND;

/** An ID's prefix (`vpc-…`, `sg-…`) → its kind and its TagSpecifications resource type. */
export const TAGGABLE_PREFIXES: Record<string, { kind: Kind; type: string }> = {
  vpc: { kind: 'vpc', type: 'vpc' },
  subnet: { kind: 'subnet', type: 'subnet' },
  igw: { kind: 'internetGateway', type: 'internet-gateway' },
  rtb: { kind: 'routeTable', type: 'route-table' },
  sg: { kind: 'securityGroup', type: 'security-group' },
  ami: { kind: 'image', type: 'image' },
  i: { kind: 'instance', type: 'instance' },
  eni: { kind: 'networkInterface', type: 'network-interface' },
  eipalloc: { kind: 'address', type: 'elastic-ip' },
  nat: { kind: 'natGateway', type: 'natgateway' },
  vpce: { kind: 'vpcEndpoint', type: 'vpc-endpoint' },
};

// The config of an imported VPC (issue 14): network.vpcId with its two subnet lists and nat.mode
// "none" go together; what only the VPC shipline makes takes is refused beside them, each saying why.
import { parseConfig, type ConfigInput } from '../src/config';
import { importedNetwork } from '../src/network-config';
import { BASE_CONFIG } from './helpers/harness';

const VPC = 'vpc-0123456789abcdef0';
const PUBLIC = ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'];
const PRIVATE = ['subnet-0bbbbbbbbbbbbbbb1', 'subnet-0bbbbbbbbbbbbbbb2'];
const IMPORTED: ConfigInput = { ...BASE_CONFIG, network: { vpcId: VPC, publicSubnetIds: PUBLIC, privateSubnetIds: PRIVATE }, nat: { mode: 'none' } };

const errorOf = (input: unknown): string => {
  try {
    parseConfig(input, 'shipline.json');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the config to be refused');
};

describe('network.vpcId', () => {
  it('imports the VPC: no CIDR, no AZ count, no default applied', () => {
    const config = parseConfig(IMPORTED, 'shipline.json');
    expect(config.network).toEqual({ vpcId: VPC, publicSubnetIds: PUBLIC, privateSubnetIds: PRIVATE });
    expect(importedNetwork(config)).toBe(config.network);
    expect(config.nat.mode).toBe('none');
  });

  it('without it, the defaults stand and nothing is imported', () => {
    const config = parseConfig(BASE_CONFIG, 'shipline.json');
    expect(config.network).toEqual({ cidr: '10.0.0.0/16', azs: 2 });
    expect(importedNetwork(config)).toBeUndefined();
  });

  it.each([
    ['nat.mode "none" without a VPC', { ...BASE_CONFIG, nat: { mode: 'none' } }, 'nat.mode', '"none" needs network.vpcId'],
    ['the default NAT mode beside a VPC', { ...IMPORTED, nat: {} }, 'nat.mode', 'must be "none" with network.vpcId (it is "instance", also the default when left out): a NAT of shipline\'s would need a route in your route tables'],
    ['a NAT gateway beside a VPC', { ...IMPORTED, nat: { mode: 'nat-gateway' } }, 'nat.mode', '(it is "nat-gateway"): a NAT'],
    ['network.cidr beside a VPC', { ...IMPORTED, network: { ...IMPORTED.network, cidr: '10.0.0.0/16' } }, 'network.cidr', 'cannot stand beside network.vpcId: the CIDR is that of your VPC'],
    ['network.azs beside a VPC', { ...IMPORTED, network: { ...IMPORTED.network, azs: 2 } }, 'network.azs', 'cannot stand beside network.vpcId: the availability zones are those of your subnets'],
    ['subnet CIDRs beside a VPC', { ...IMPORTED, network: { ...IMPORTED.network, publicSubnets: ['10.0.0.0/24', '10.0.1.0/24'] } }, 'network.publicSubnets', 'cannot stand beside network.vpcId'],
    ['a VPC without private subnets', { ...IMPORTED, network: { vpcId: VPC, publicSubnetIds: PUBLIC } }, 'network.privateSubnetIds', 'is required with network.vpcId'],
    ['subnet IDs without a VPC', { ...BASE_CONFIG, network: { publicSubnetIds: PUBLIC } }, 'network.publicSubnetIds', 'needs network.vpcId'],
    ['a malformed VPC ID', { ...IMPORTED, network: { ...IMPORTED.network, vpcId: 'vpc-1' } }, 'network.vpcId', 'expected a vpc ID like vpc-0123456789abcdef0'],
    ['a malformed subnet ID', { ...IMPORTED, network: { ...IMPORTED.network, privateSubnetIds: ['subnet-3', PRIVATE[0]] } }, 'network.privateSubnetIds[0]', 'expected a subnet ID like subnet-0123456789abcdef0'],
    ['one subnet only', { ...IMPORTED, network: { ...IMPORTED.network, publicSubnetIds: [PUBLIC[0]] } }, 'network.publicSubnetIds', 'expected at least 2 subnets, in two availability zones'],
    ['a subnet both public and private', { ...IMPORTED, network: { ...IMPORTED.network, privateSubnetIds: [PRIVATE[0], PUBLIC[1]] } }, 'network.privateSubnetIds[1]', `${PUBLIC[1]} is listed twice (also network.publicSubnetIds[1])`],
  ])('refuses %s, naming the field and why', (_what, input, field, message) => {
    const error = errorOf(input);
    expect(error).toContain(`  ${field}: `);
    expect(error).toContain(message);
  });

  it('accepts the 8-digit IDs of older resources', () => {
    const config = parseConfig({ ...IMPORTED, network: { vpcId: 'vpc-0a1b2c3d', publicSubnetIds: ['subnet-0a1b2c3d', 'subnet-1a1b2c3d'], privateSubnetIds: PRIVATE } }, 'shipline.json');
    expect(importedNetwork(config)?.vpcId).toBe('vpc-0a1b2c3d');
  });
});

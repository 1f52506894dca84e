// Guarantee 1, for the creates that take a client token (RunInstances, CreateNatGateway, ECS
// CreateService): a run dies right after the create reached AWS, before it could record the new
// ID, and the re-run's lookup by the stack's tags does not show the new resource yet (AWS's
// eventual consistency). Adoption by tags cannot save the re-run then: only the token written to
// state before the call can, sent again, getting the same resource back. Without it, a second NAT
// instance or gateway is made (or ECS refuses a second service of that name).
import type { Faults } from '../src/sandbox/faults';
import { BASE_CONFIG, harness, shape, type Harness } from './helpers/harness';

let h: Harness | undefined;
afterEach(() => h?.restore());

/** The run dies right after the first `operation` call is applied. */
function crashRightAfterFirst(faults: Faults, operation: string): void {
  let armed = true;
  faults.on(operation, (call) => {
    if (!armed) return;
    armed = false;
    faults.crashAfterMutation(call.mutationIndex);
  });
}

const tokenOf = (input: unknown) => {
  const fields = input as { ClientToken?: string; clientToken?: string };
  return fields.ClientToken ?? fields.clientToken;
};

interface Case {
  config: unknown;
  create: string;
  /** Hides what `create` makes from the reads that follow, its lookup by tags included. */
  hide(faults: Faults): void;
}

const CASES: Array<[string, Case]> = [
  [
    'the NAT instance (RunInstances), hidden from DescribeInstances by ID and by filter',
    { config: BASE_CONFIG, create: 'RunInstances', hide: (faults) => faults.hideNewEc2(3, { listings: true }) },
  ],
  [
    'the NAT gateway (CreateNatGateway), hidden from DescribeNatGateways by ID and by filter',
    {
      config: { ...BASE_CONFIG, nat: { mode: 'nat-gateway' } },
      create: 'CreateNatGateway',
      hide: (faults) =>
        faults.hideNewFor({
          create: 'CreateNatGateway',
          ids: (out) => [(out.NatGateway as { NatGatewayId: string }).NatGatewayId],
          describe: 'DescribeNatGateways',
          reads: 3,
          notFound: 'NatGatewayNotFound',
        }),
    },
  ],
  [
    'the dev ECS service (CreateService), reported MISSING by DescribeServices',
    {
      config: BASE_CONFIG,
      create: 'CreateService',
      hide: (faults) =>
        faults.hideNewFor({
          create: 'CreateService',
          // Only the crashed one: prod's, made and recorded meanwhile, is not what this proves.
          ids: (out) => {
            const service = out.service as { serviceArn: string; serviceName: string };
            return service.serviceName === 'demo-dev' ? [service.serviceArn, service.serviceName] : [];
          },
          describe: 'DescribeServices',
          reads: 3,
          absent: (out, id) => {
            if (!id.startsWith('arn:')) return;
            out.failures = [...((out.failures as unknown[] | undefined) ?? []), { arn: id, reason: 'MISSING' }];
          },
        }),
    },
  ],
];

describe('a crash right after a create that takes a client token, the re-run\'s lookup by tags not seeing it yet', () => {
  it.each(CASES)('%s: the re-run sends the same token and ends with the inventory of an uninterrupted run', async (_what, { config, create, hide }) => {
    const clean = harness({ config });
    hide(clean.sandbox.faults);
    await clean.ok('provision');
    clean.restore();

    h = harness({ config });
    hide(h.sandbox.faults);
    crashRightAfterFirst(h.sandbox.faults, create);
    expect((await h.run('provision')).code).toBe(1);
    const crashedCall = h.sandbox.calls.find((c) => c.operation === create)!;
    expect(crashedCall.error).toBe('SandboxInjectedCrash');
    const token = tokenOf(crashedCall.input);
    expect(token).toEqual(expect.any(String));

    await h.ok('provision');
    expect(shape(h.sandbox)).toEqual(shape(clean.sandbox));
    // The lookup by tags missed it, so the re-run created again: with the crashed run's token.
    const sent = h.sandbox.calls.filter((c) => c.operation === create).map((c) => tokenOf(c.input));
    expect(sent.filter((t) => t === token)).toHaveLength(2);
  });
});

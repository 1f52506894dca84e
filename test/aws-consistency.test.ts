// EC2's eventual consistency (src/aws/consistency.ts): a call right after a create is retried while
// AWS answers the NotFound code of a resource it names, for five minutes at most, and nothing else is.
import { EC2_NOT_FOUND, EC2_PROPAGATION_SECONDS, retryWhileNotFound } from '../src/aws/consistency';
import { WaitTimeoutError } from '../src/errors';
import { rejectionOf } from './helpers/rejection';
import { waitContext } from './helpers/wait-context';

const notFound = (code: string, message = `The ID '${code}' does not exist`) => Object.assign(new Error(message), { name: code });

describe('the codes', () => {
  it("each new EC2 resource's NotFound code, and five minutes for it to show", () => {
    expect(EC2_PROPAGATION_SECONDS).toBe(300);
    expect(EC2_NOT_FOUND).toEqual({
      vpc: 'InvalidVpcID.NotFound',
      subnet: 'InvalidSubnetID.NotFound',
      internetGateway: 'InvalidInternetGatewayID.NotFound',
      routeGateway: 'InvalidGatewayID.NotFound',
      routeTable: 'InvalidRouteTableID.NotFound',
      securityGroup: 'InvalidGroup.NotFound',
      instance: 'InvalidInstanceID.NotFound',
      networkInterface: 'InvalidNetworkInterfaceID.NotFound',
    });
  });
});

describe('retryWhileNotFound', () => {
  it('retries while the call answers one of the codes, reporting and logging each refusal, then gives its value', async () => {
    const { ctx, progress, logs } = waitContext();
    const answers: Array<Error | string> = [notFound('InvalidVpcID.NotFound'), notFound('InvalidSubnetID.NotFound'), 'rtb-1'];
    const value = await retryWhileNotFound(ctx, 'create the route table', [EC2_NOT_FOUND.vpc, EC2_NOT_FOUND.subnet], async () => {
      const next = answers.shift()!;
      if (next instanceof Error) throw next;
      return next;
    });
    expect(value).toBe('rtb-1');
    expect(progress).toEqual([
      "waiting for create the route table (a new resource AWS does not show everywhere yet): InvalidVpcID.NotFound: The ID 'InvalidVpcID.NotFound' does not exist",
      "waiting for create the route table (a new resource AWS does not show everywhere yet): InvalidSubnetID.NotFound: The ID 'InvalidSubnetID.NotFound' does not exist",
    ]);
    const retries = logs.filter((l) => l.msg === 'not visible to this call yet (EC2 eventual consistency): retrying');
    expect(retries.map(({ what, code, refusals }) => ({ what, code, refusals }))).toEqual([
      { what: 'create the route table', code: 'InvalidVpcID.NotFound', refusals: 1 },
      { what: 'create the route table', code: 'InvalidSubnetID.NotFound', refusals: 2 },
    ]);
  });

  it('visible at once: the value, nothing reported', async () => {
    const { ctx, progress } = waitContext();
    await expect(retryWhileNotFound(ctx, 'tag the VPC', [EC2_NOT_FOUND.vpc], async () => 'done')).resolves.toBe('done');
    expect(progress).toEqual([]);
  });

  it('another code, even the NotFound of a resource not named, is thrown at once', async () => {
    const { ctx } = waitContext();
    for (const failure of [notFound('InvalidGroup.NotFound'), notFound('DependencyViolation'), new Error('socket hang up')]) {
      let calls = 0;
      const refused = retryWhileNotFound(ctx, 'attach the gateway', [EC2_NOT_FOUND.vpc, EC2_NOT_FOUND.internetGateway], async () => {
        calls += 1;
        throw failure;
      });
      await expect(refused).rejects.toBe(failure);
      expect(calls).toBe(1);
    }
  });

  it("still missing after the bound: gone, not late; the timeout names AWS's code", async () => {
    const { ctx } = waitContext();
    const error = await rejectionOf(
      retryWhileNotFound(ctx, 'create the route', [EC2_NOT_FOUND.routeGateway], async () => Promise.reject(notFound('InvalidGatewayID.NotFound', 'no igw-1')), 10),
      WaitTimeoutError,
    );
    expect(error.message).toMatch(
      /^gave up waiting for create the route \(a new resource AWS does not show everywhere yet\) after \d+\.\ds \(still: InvalidGatewayID\.NotFound: no igw-1\)$/,
    );
  });

  describe('on a clock of AWS seconds', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('the bound is five minutes unless given', async () => {
      const { ctx } = waitContext({ minDelay: 2, maxDelay: 10, timeoutScale: 1 });
      let settled: unknown;
      void retryWhileNotFound(ctx, 'describe the instance', [EC2_NOT_FOUND.instance], async () => Promise.reject(notFound('InvalidInstanceID.NotFound'))).catch(
        (e: unknown) => void (settled = e),
      );
      await jest.advanceTimersByTimeAsync(290_000);
      expect(settled).toBeUndefined();
      await jest.advanceTimersByTimeAsync(15_000);
      expect(settled).toBeInstanceOf(WaitTimeoutError);
    });
  });
});

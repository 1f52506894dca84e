// The small readers of AWS calls: which operations change something (src/aws/operations.ts, the
// dry-run guard's classifier), paging (src/aws/pages.ts) and a region's partition (src/aws/partition.ts).
import { isMutating, operationName } from '../src/aws/operations';
import { allItems, EC2_PAGE, EC2_ROUTE_TABLE_PAGE, firstItem } from '../src/aws/pages';
import { partitionOfRegion } from '../src/aws/partition';

describe('operationName', () => {
  it("drops the SDK's Command suffix, and only that", () => {
    expect(operationName('DescribeVpcsCommand')).toBe('DescribeVpcs');
    expect(operationName('DescribeVpcs')).toBe('DescribeVpcs');
    expect(operationName('CommandVpc')).toBe('CommandVpc');
    expect(operationName('RunCommandCommand')).toBe('RunCommand');
  });
});

describe('isMutating', () => {
  it.each([
    'DescribeVpcs',
    'GetRole',
    'ListTagsForResource',
    'LookupEvents',
    'BatchGetProjects',
    'HeadBucket',
    'SearchResources',
    'CheckDomainAvailability',
    'DescribeVpcsCommand',
  ])('%s reads', (operation) => {
    expect(isMutating(operation)).toBe(false);
  });

  it.each(['CreateVpc', 'DeleteVpc', 'PutObject', 'TagResource', 'BatchDeleteImage', 'UpdateService', 'RunTask', 'CreateVpcCommand', 'ForgetDescribe', 'ExpireGet'])(
    '%s changes something',
    (operation) => {
      expect(isMutating(operation)).toBe(true);
    },
  );
});

/** Pages as a paginator yields them, counting how many were read. */
function pages<P>(all: P[]): { iterable: AsyncIterable<P>; read: () => number } {
  let read = 0;
  return {
    iterable: (async function* () {
      for (const page of all) {
        read += 1;
        yield page;
      }
    })(),
    read: () => read,
  };
}

describe('allItems', () => {
  it('every item of every page, in order; a page without items adds none', async () => {
    const p = pages([{ Vpcs: ['a', 'b'] }, {}, { Vpcs: ['c'] }]);
    await expect(allItems(p.iterable, (page: { Vpcs?: string[] }) => page.Vpcs)).resolves.toEqual(['a', 'b', 'c']);
    expect(p.read()).toBe(3);
  });
});

describe('firstItem', () => {
  it('the first match, read on past pages without one, and no further than it', async () => {
    const p = pages([{ Items: [1, 3] }, {}, { Items: [5, 6, 8] }, { Items: [10] }]);
    await expect(firstItem(p.iterable, (page: { Items?: number[] }) => page.Items, (n) => n % 2 === 0)).resolves.toBe(6);
    expect(p.read()).toBe(3);
  });

  it('without a match: the first item of the first page with one', async () => {
    const p = pages([{}, { Items: [] }, { Items: [4, 5] }, { Items: [6] }]);
    await expect(firstItem(p.iterable, (page: { Items?: number[] }) => page.Items)).resolves.toBe(4);
    expect(p.read()).toBe(3);
  });

  it('undefined when no page holds a match', async () => {
    const p = pages([{ Items: [1] }, { Items: [3] }]);
    await expect(firstItem(p.iterable, (page: { Items?: number[] }) => page.Items, (n) => n > 5)).resolves.toBeUndefined();
    expect(p.read()).toBe(2);
  });

  it('a falsy item that matches is found', async () => {
    await expect(firstItem(pages([{ Items: [0, 1] }]).iterable, (page: { Items?: number[] }) => page.Items)).resolves.toBe(0);
  });
});

describe('page sizes', () => {
  it("EC2's largest MaxResults: 1000, and 100 for DescribeRouteTables", () => {
    expect(EC2_PAGE).toEqual({ pageSize: 1000 });
    expect(EC2_ROUTE_TABLE_PAGE).toEqual({ pageSize: 100 });
  });
});

describe('partitionOfRegion', () => {
  it.each([
    ['cn-north-1', 'aws-cn'],
    ['cn-northwest-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['us-gov-east-1', 'aws-us-gov'],
    ['us-east-1', 'aws'],
    ['eu-west-3', 'aws'],
    ['ap-southeast-1', 'aws'],
  ])('%s is in %s', (region, partition) => {
    expect(partitionOfRegion(region)).toBe(partition);
  });
});

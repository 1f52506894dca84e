// Reading a paged AWS call through the SDK's own paginators (`paginateX` from the client package):
// every item of every page, or the first item that matches, reading no further than it must.

/** EC2's largest MaxResults for the describes shipline searches with (DescribeRouteTables: 100). */
export const EC2_PAGE = { pageSize: 1000 } as const;
export const EC2_ROUTE_TABLE_PAGE = { pageSize: 100 } as const;

/** Every item of every page. */
export async function allItems<P, T>(pages: AsyncIterable<P>, items: (page: P) => readonly T[] | undefined): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...(items(page) ?? []));
  return all;
}

/** The first item that matches; a page may hold no match (EC2 pages before it filters), so read on until one does. */
export async function firstItem<P, T>(
  pages: AsyncIterable<P>,
  items: (page: P) => readonly T[] | undefined,
  match: (item: T) => boolean = () => true,
): Promise<T | undefined> {
  for await (const page of pages) {
    const found = (items(page) ?? []).find(match);
    if (found !== undefined) return found;
  }
  return undefined;
}

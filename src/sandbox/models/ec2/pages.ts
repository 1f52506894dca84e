// How EC2's Describe calls page (src/sandbox/README.md, "How EC2 pages"): without MaxResults a call
// is answered whole; with it, 5 to the call's maximum, AWS pages the resources it holds and then
// applies the Filters, so a page may carry fewer matches than asked, even none, with a NextToken.
// Some calls refuse MaxResults next to their IDs parameter. A bad token or size is
// InvalidParameterValue, in AWS's wording.
import { awsError } from '../../kernel/errors';
import { pageOf } from '../../kernel/pages';
import type { SandboxWorld } from '../../kernel/world';

export interface DescribePaging {
  operation: string;
  /** AWS's largest MaxResults for the call (the smallest is 5 for every one paged here). */
  max: number;
  /** For a call that refuses MaxResults with IDs: the IDs given, and the name AWS's error gives that parameter. */
  ids?: { given: readonly unknown[] | undefined; name: string };
}

interface PagedInput {
  MaxResults?: number;
  NextToken?: string;
}

const SMALLEST_PAGE = 5;

/** One page of `candidates` (the resources the call's IDs allow, in AWS's order), filtered by `filter` after paging. */
export function describePage<R>(
  world: SandboxWorld,
  candidates: readonly R[],
  input: PagedInput,
  paging: DescribePaging,
  filter: (records: readonly R[]) => R[],
): { items: R[]; token: { NextToken?: string } } {
  if (input.MaxResults !== undefined && paging.ids?.given && paging.ids.given.length > 0) {
    throw awsError('InvalidParameterCombination', `The parameter ${paging.ids.name} cannot be used with the parameter maxResults`);
  }
  const { MaxResults: _max, NextToken: _token, DryRun: _dryRun, ...rest } = input as PagedInput & { DryRun?: boolean };
  const page = pageOf(
    world,
    candidates,
    { max: input.MaxResults, token: input.NextToken, scope: JSON.stringify(rest) },
    {
      operation: paging.operation,
      awsDefault: Infinity,
      awsMax: paging.max,
      awsMin: SMALLEST_PAGE,
      invalid: (_message, problem) =>
        problem.kind === 'token'
          ? awsError('InvalidParameterValue', `Value ( ${problem.token} ) for parameter NextToken is invalid. The token is invalid.`)
          : awsError(
              'InvalidParameterValue',
              problem.size < problem.min
                ? `Value ( ${problem.size} ) for parameter maxResults is invalid. Expecting a value greater than ${problem.min}.`
                : `Value ( ${problem.size} ) for parameter maxResults is invalid. Expecting a value less than or equal to ${problem.max}.`,
            ),
    },
  );
  return { items: filter(page.items), token: page.next === undefined ? {} : { NextToken: page.next } };
}

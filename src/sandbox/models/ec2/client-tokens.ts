// Client tokens (RunInstances, CreateNatGateway): the same token and parameters give back what the
// first call made (even if it is gone by now); the same token with other parameters is refused.
import { awsError } from '../../kernel/errors';
import { Ec2Family } from './family';

/** A stable rendering of a request, to tell whether a ClientToken is reused with other parameters. */
function fingerprint(input: object): string {
  const canonical = (value: unknown): string => {
    if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
    if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(record[k])}`).join(',')}}`;
    }
    return JSON.stringify(value) ?? 'null';
  };
  const { ClientToken: _token, DryRun: _dryRun, ...rest } = input as Record<string, unknown>;
  return canonical(rest);
}

export class ClientTokens extends Ec2Family {
  replay(operation: string, token: string | undefined, input: object): string[] | undefined {
    const used = token === undefined ? undefined : this.data.clientTokens[`${operation}:${token}`];
    if (!used) return undefined;
    if (used.fingerprint !== fingerprint(input)) {
      throw awsError('IdempotentParameterMismatch', 'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).');
    }
    return used.ids;
  }

  remember(operation: string, token: string | undefined, input: object, ids: string[]): void {
    if (token !== undefined) this.data.clientTokens[`${operation}:${token}`] = { fingerprint: fingerprint(input), ids };
  }
}

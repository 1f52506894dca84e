// The errors every model throws: AWS-shaped service errors, and the sandbox's own refusal to
// answer an operation it does not model (a test then fails loudly instead of passing on a guess).

/**
 * An error shaped like the SDK's: `name` is AWS's code, with `$fault` and `$metadata`. Services
 * whose SDK exports an exception class for the code may throw that class instead.
 */
export function awsError(name: string, message: string, options: { status?: number; fault?: 'client' | 'server' } = {}): Error {
  const status = options.status ?? (options.fault === 'server' ? 500 : 400);
  const error = new Error(message) as Error & { $fault: 'client' | 'server'; $metadata: { httpStatusCode: number } };
  error.name = name;
  error.$fault = options.fault ?? (status >= 500 ? 'server' : 'client');
  error.$metadata = { httpStatusCode: status };
  return error;
}

export class SandboxNotModelled extends Error {
  override readonly name = 'SandboxNotModelled';
}

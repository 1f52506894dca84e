// Reading AWS errors. The SDK throws ServiceException subclasses whose `name` is AWS's error code
// (EC2 codes such as InvalidVpcID.NotFound included); shipline's own AwsCallError keeps that code in
// `awsCode`. Steps ask `isAwsError(e, ...GONE.ec2.vpc)` (the "already gone" table, gone.ts) and never
// compare messages.
import { AwsCallError, ShiplineError } from '../errors';

export interface AwsErrorShape {
  name: string;
  message: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

export function awsErrorCode(error: unknown): string | undefined {
  if (error instanceof AwsCallError) return error.awsCode;
  // shipline's own errors (the sandbox world that cannot be saved …) are not AWS's, whatever their name.
  if (error instanceof ShiplineError) return undefined;
  if (error instanceof Error && '$metadata' in error) return error.name;
  if (error instanceof Error && /^[A-Z][A-Za-z]+(\.[A-Za-z]+)*$/.test(error.name) && error.name !== 'Error') return error.name;
  return undefined;
}

export function isAwsError(error: unknown, ...codes: string[]): boolean {
  const code = awsErrorCode(error);
  return code !== undefined && codes.includes(code);
}

const ACCESS_DENIED = ['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedAccess'];
const NO_CREDENTIALS = ['CredentialsProviderError', 'ExpiredToken', 'ExpiredTokenException', 'InvalidClientTokenId', 'UnrecognizedClientException', 'AuthFailure'];
// Codes ending in `LimitExceeded` (VpcLimitExceeded, AddressLimitExceeded …) are quotas too, but
// for EC2's throttling code: the SDK's throttling list (THROTTLING_ERROR_CODES in
// @smithy/service-error-classification) comes first.
const QUOTA = ['LimitExceededException', 'TooManyLoadBalancers', 'ServiceQuotaExceededException'];
const THROTTLED = [
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'RequestThrottled',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
  'BandwidthLimitExceeded',
];

/** A hint for the errors users hit in practice, by AWS code. */
export function hintFor(service: string, operation: string, code: string): string | undefined {
  if (ACCESS_DENIED.includes(code)) {
    return `the credentials in use may not call ${service}:${operation}; \`shipline permissions --config FILE\` prints the policy shipline needs (see "Permissions" in the README)`;
  }
  if (NO_CREDENTIALS.includes(code)) {
    return 'no usable AWS credentials: set AWS_PROFILE (or aws.profile in the config), run `aws sso login`, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY';
  }
  if (THROTTLED.includes(code)) {
    return `AWS throttled ${service}:${operation} through every attempt of the SDK's retry: the account is busy with other calls; run again (it carries on), or with --concurrency 2`;
  }
  if (QUOTA.includes(code) || code.endsWith('LimitExceeded')) {
    return 'an AWS service quota was reached: delete unused resources or ask for a higher quota in the Service Quotas console';
  }
  return undefined;
}

/** Resolve to undefined when AWS answers that the thing asked for does not exist. */
export async function unlessNotFound<T>(call: Promise<T>, ...codes: string[]): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (isAwsError(error, ...codes)) return undefined;
    throw error;
  }
}

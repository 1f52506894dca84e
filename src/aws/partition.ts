// The partition AWS puts a region in, for what is decided before any call (the policy `shipline
// permissions` prints, the sandbox's default). A run takes its partition from the caller
// identity's ARN instead (session.ts). https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
export function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

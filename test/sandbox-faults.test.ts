// Injected throttling answers with each service's own code, so the SDK's retry is tested against
// what AWS really sends (src/sandbox/README.md cites each): EC2 RequestLimitExceeded, S3 SlowDown
// (503), IAM, ELBv2 and Route 53 Throttling, the JSON services ThrottlingException.
import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ListClustersCommand, ECSClient } from '@aws-sdk/client-ecs';
import { DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { ListHostedZonesCommand, Route53Client } from '@aws-sdk/client-route-53';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { REGION, useSandbox } from './helpers/sandbox-fixture';

const env = useSandbox();

it('throttles each service with its own code', async () => {
  env.sandbox.faults.flaky({ throttle: 1 });
  const once = { region: REGION, maxAttempts: 1 };
  await expect(new EC2Client(once).send(new DescribeVpcsCommand({}))).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  await expect(new ECSClient(once).send(new ListClustersCommand({}))).rejects.toMatchObject({ name: 'ThrottlingException' });
  await expect(new S3Client(once).send(new ListBucketsCommand({}))).rejects.toMatchObject({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
  await expect(new IAMClient(once).send(new ListRolesCommand({}))).rejects.toMatchObject({ name: 'Throttling', message: 'Rate exceeded' });
  await expect(new ElasticLoadBalancingV2Client(once).send(new DescribeLoadBalancersCommand({}))).rejects.toMatchObject({ name: 'Throttling' });
  await expect(new Route53Client(once).send(new ListHostedZonesCommand({}))).rejects.toMatchObject({ name: 'Throttling' });
});

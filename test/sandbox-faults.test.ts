// Injected throttling answers with each service's own code, so the SDK's retry is tested against
// what AWS really sends (EC2: RequestLimitExceeded, per its error codes page).
import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ListClustersCommand, ECSClient } from '@aws-sdk/client-ecs';
import { REGION, useSandbox } from './helpers/sandbox-fixture';

const env = useSandbox();

it('throttles EC2 with RequestLimitExceeded and the JSON services with ThrottlingException', async () => {
  env.sandbox.faults.flaky({ throttle: 1 });
  await expect(new EC2Client({ region: REGION }).send(new DescribeVpcsCommand({}))).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  await expect(new ECSClient({ region: REGION }).send(new ListClustersCommand({}))).rejects.toMatchObject({ name: 'ThrottlingException' });
});

// steps/lib/deployments.ts: "is a CodeDeploy deployment running" reads every page of ListDeployments.
import { CodeDeployClient, DeploymentGroupDoesNotExistException, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { ACTIVE, activeDeployments } from '../steps/lib/deployments';
import { testContext } from './helpers/context';
import { strictMocks } from './helpers/strict-mocks';

const cd = mockClient(CodeDeployClient);
strictMocks(cd);

const GROUP = { applicationName: 'demo', deploymentGroupName: 'demo-dev', includeOnlyStatuses: ACTIVE };

describe('activeDeployments', () => {
  it('reads past the first page: a deployment listed on the second counts', async () => {
    cd.on(ListDeploymentsCommand, { ...GROUP, nextToken: undefined }).resolves({ deployments: [], nextToken: 'page-2' });
    cd.on(ListDeploymentsCommand, { ...GROUP, nextToken: 'page-2' }).resolves({ deployments: ['d-RUNNING01'] });
    expect(await activeDeployments(testContext('codedeploy'), 'dev')).toEqual(['d-RUNNING01']);
    // (The SDK's paginator reuses one input object, so the recorded inputs all show the last token.)
    expect(cd.commandCalls(ListDeploymentsCommand)).toHaveLength(2);
  });

  it('makes one call when AWS answers one page, and finds none for a group not made yet', async () => {
    cd.on(ListDeploymentsCommand).resolves({ deployments: [] });
    expect(await activeDeployments(testContext('codedeploy'), 'dev')).toEqual([]);
    expect(cd.commandCalls(ListDeploymentsCommand)).toHaveLength(1);

    cd.on(ListDeploymentsCommand).rejects(new DeploymentGroupDoesNotExistException({ message: 'No Deployment Group found for name: demo-dev', $metadata: {} }));
    expect(await activeDeployments(testContext('codedeploy'), 'dev')).toEqual([]);
  });
});

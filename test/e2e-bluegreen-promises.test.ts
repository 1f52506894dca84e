// The end-to-end promises for a blue/green stack of two environments (dev on /dev, prod): its exact
// inventory (a second target group, a test listener and a CodeDeploy deployment group per
// environment, the CodeDeploy application and its role), a no-op second run, a lost state
// recovered, a crash at each mutating call then a re-run converging, destroy leaving nothing.
import { BLUE_GREEN } from './helpers/configs';
import { BASE_CONFIG } from './helpers/harness';
import { describePromises, expectedInventory } from './helpers/promises';

describe('blue/green, two environments', () => {
  it('expects what the issue lists on top of the rolling stack', () => {
    const extra = expectedInventory(BLUE_GREEN).filter((row) => !expectedInventory(BASE_CONFIG).includes(row));
    expect(extra.sort()).toEqual(
      [
        'codedeploy/application/demo',
        'codedeploy/deployment-group/demo/demo-dev',
        'codedeploy/deployment-group/demo/demo-prod',
        'elbv2/listener/demo-alb:8080',
        'elbv2/listener/demo-alb:8081',
        'elbv2/target-group/demo-dev-tg-g',
        'elbv2/target-group/demo-prod-tg-g',
        'iam/role//shipline/demo-codedeploy',
        'iam/role-policy-attachment//shipline/demo-codedeploy/arn:aws:iam::aws:policy/AWSCodeDeployRoleForECSLimited',
      ].sort(),
    );
  });

  describePromises(BLUE_GREEN);
});

import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { blueGreenRoute, forwardedGroups, isCodeDeploys, liveGroup } from '../steps/alb/routing';

const BLUE = 'arn:aws:elasticloadbalancing:eu-west-3:123456789012:targetgroup/demo-prod-tg/1';
const GREEN = 'arn:aws:elasticloadbalancing:eu-west-3:123456789012:targetgroup/demo-prod-tg-g/2';
const OTHER = 'arn:aws:elasticloadbalancing:eu-west-3:123456789012:targetgroup/demo-dev-tg/3';
const PAIR = { blue: BLUE, green: GREEN };

const single = (arn: string): Action[] => [{ Type: 'forward', TargetGroupArn: arn, ForwardConfig: { TargetGroups: [{ TargetGroupArn: arn, Weight: 1 }] } }];
const weighted = (...groups: Array<[string, number]>): Action[] => [
  { Type: 'forward', ForwardConfig: { TargetGroups: groups.map(([TargetGroupArn, Weight]) => ({ TargetGroupArn, Weight })) } },
];
const FIXED: Action[] = [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503' } }];

describe('forwardedGroups', () => {
  it('reads a single-target forward as weight 1, in either form', () => {
    expect(forwardedGroups([{ Type: 'forward', TargetGroupArn: BLUE }])).toEqual([{ arn: BLUE, weight: 1 }]);
    expect(forwardedGroups(single(BLUE))).toEqual([{ arn: BLUE, weight: 1 }]);
  });
  it('reads a weighted forward with its weights', () => {
    expect(forwardedGroups(weighted([GREEN, 100], [BLUE, 0]))).toEqual([{ arn: GREEN, weight: 100 }, { arn: BLUE, weight: 0 }]);
  });
  it('is undefined for anything but exactly one forward', () => {
    expect(forwardedGroups(undefined)).toBeUndefined();
    expect(forwardedGroups(FIXED)).toBeUndefined();
    expect(forwardedGroups([...single(BLUE), ...FIXED])).toBeUndefined();
  });
});

describe('liveGroup', () => {
  it.each<[string, Action[] | undefined, string | undefined]>([
    ['a single-target forward: its group', single(BLUE), BLUE],
    ['after a deployment: the group at weight 100', weighted([GREEN, 100], [BLUE, 0]), GREEN],
    ['the weights in either order', weighted([BLUE, 0], [GREEN, 100]), GREEN],
    ['mid-shift: the heavier group', weighted([BLUE, 90], [GREEN, 10]), BLUE],
    ['a tie: none', weighted([BLUE, 50], [GREEN, 50]), undefined],
    ['every weight 0: none', weighted([BLUE, 0], [GREEN, 0]), undefined],
    ['no forward: none', FIXED, undefined],
  ])('%s', (_what, actions, expected) => {
    expect(liveGroup(actions)).toBe(expected);
  });
});

describe('isCodeDeploys', () => {
  it('is a forward naming only groups of the pair, with any weights', () => {
    expect(isCodeDeploys(single(BLUE), [BLUE, GREEN])).toBe(true);
    expect(isCodeDeploys(single(GREEN), [BLUE, GREEN])).toBe(true);
    expect(isCodeDeploys(weighted([GREEN, 100], [BLUE, 0]), [BLUE, GREEN])).toBe(true);
    expect(isCodeDeploys(weighted([GREEN, 0], [BLUE, 0]), [BLUE, GREEN])).toBe(true);
  });
  it('is not a forward to another group, a mixed forward, or another action', () => {
    expect(isCodeDeploys(single(OTHER), [BLUE, GREEN])).toBe(false);
    expect(isCodeDeploys(weighted([GREEN, 100], [OTHER, 0]), [BLUE, GREEN])).toBe(false);
    expect(isCodeDeploys(FIXED, [BLUE, GREEN])).toBe(false);
  });
});

describe('blueGreenRoute', () => {
  it("keeps CodeDeploy's route as it is and names its live group", () => {
    expect(blueGreenRoute(weighted([GREEN, 100], [BLUE, 0]), PAIR, BLUE, false)).toEqual({ keep: true, live: GREEN });
  });
  it('keeps any route while a deployment runs', () => {
    expect(blueGreenRoute(single(OTHER), PAIR, GREEN, true)).toEqual({ keep: true, live: OTHER });
  });
  it('points a route forwarding elsewhere where its sibling sends traffic, when that is of the pair', () => {
    expect(blueGreenRoute(single(OTHER), PAIR, GREEN, false)).toEqual({ keep: false, target: GREEN });
    expect(blueGreenRoute(single(OTHER), PAIR, OTHER, false)).toEqual({ keep: false, target: BLUE });
    expect(blueGreenRoute(FIXED, PAIR, undefined, false)).toEqual({ keep: false, target: BLUE });
  });
  it('starts a new route (even during a deployment) where its sibling sends traffic, else on the first group', () => {
    expect(blueGreenRoute(undefined, PAIR, GREEN, true)).toEqual({ keep: false, target: GREEN });
    expect(blueGreenRoute(undefined, { blue: BLUE, green: undefined }, undefined, false)).toEqual({ keep: false, target: BLUE });
  });
});

// The sandbox's IAM policy evaluator (src/sandbox/models/iam-policy.ts) against the rules of AWS's
// policy evaluation logic: explicit Deny > Allow > implicit deny, wildcards, NotAction/NotResource,
// condition operators, missing keys.
import type { PolicyDocument, PolicyStatement } from '../src/policies';
import { deniedMessage, evaluate, wildcardMatch, type AuthRequest } from '../src/sandbox/models/iam-policy';

const doc = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement });
const ROLE = 'arn:aws:iam::123456789012:role/shipline/demo-task-execution';
const pass = (service: string | undefined, resource = ROLE): AuthRequest => ({
  action: 'iam:PassRole',
  resource,
  ...(service !== undefined ? { context: { 'iam:PassedToService': service } } : {}),
});

describe('the IAM policy evaluator', () => {
  it('denies what nothing allows, allows what a statement allows, and lets an explicit Deny win', () => {
    const allow = doc({ Effect: 'Allow', Action: 'ecs:UpdateService', Resource: '*' });
    expect(evaluate([], { action: 'ecs:UpdateService', resource: '*' })).toBe('ImplicitDeny');
    expect(evaluate([allow], { action: 'ecs:UpdateService', resource: 'arn:aws:ecs:eu-west-3:1:service/demo/web' })).toBe('Allow');
    expect(evaluate([allow], { action: 'ecs:DeleteService', resource: '*' })).toBe('ImplicitDeny');
    const deny = doc({ Effect: 'Deny', Action: 'ecs:*', Resource: '*' });
    expect(evaluate([allow, deny], { action: 'ecs:UpdateService', resource: '*' })).toBe('ExplicitDeny');
  });

  it('matches actions case-insensitively with * and ?, resources case-sensitively', () => {
    const d = doc({ Effect: 'Allow', Action: ['ECS:describe*', 'logs:PutLog?vents'], Resource: 'arn:aws:logs:*:*:log-group:/shipline/*' });
    expect(evaluate([d], { action: 'ecs:DescribeServices', resource: 'arn:aws:logs:eu-west-3:1:log-group:/shipline/x' })).toBe('Allow');
    expect(evaluate([d], { action: 'logs:PutLogEvents', resource: 'arn:aws:logs:eu-west-3:1:log-group:/shipline/demo:log-stream:a' })).toBe('Allow');
    expect(evaluate([d], { action: 'logs:PutLogEvents', resource: 'arn:aws:logs:eu-west-3:1:log-group:/Shipline/demo' })).toBe('ImplicitDeny');
    expect(wildcardMatch('a.b*', 'a.bc', false)).toBe(true);
    expect(wildcardMatch('a.b*', 'axbc', false)).toBe(false);
  });

  it('applies NotAction and NotResource as their complements', () => {
    const d = doc({ Effect: 'Allow', NotAction: 'iam:*', NotResource: 'arn:aws:s3:::secret/*' });
    expect(evaluate([d], { action: 's3:GetObject', resource: 'arn:aws:s3:::open/x' })).toBe('Allow');
    expect(evaluate([d], { action: 's3:GetObject', resource: 'arn:aws:s3:::secret/x' })).toBe('ImplicitDeny');
    expect(evaluate([d], { action: 'iam:PassRole', resource: ROLE })).toBe('ImplicitDeny');
  });

  it('checks iam:PassedToService with StringEquals and StringLike; a missing key fails a positive operator', () => {
    const equals = doc({ Effect: 'Allow', Action: 'iam:PassRole', Resource: 'arn:aws:iam::*:role/shipline/*', Condition: { StringEquals: { 'iam:PassedToService': ['ecs-tasks.amazonaws.com', 'codebuild.amazonaws.com'] } } });
    expect(evaluate([equals], pass('ecs-tasks.amazonaws.com'))).toBe('Allow');
    expect(evaluate([equals], pass('lambda.amazonaws.com'))).toBe('ImplicitDeny');
    expect(evaluate([equals], pass(undefined))).toBe('ImplicitDeny');
    expect(evaluate([equals], pass('ecs-tasks.amazonaws.com', 'arn:aws:iam::123456789012:role/admin'))).toBe('ImplicitDeny');
    const like = doc({ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*', Condition: { StringLike: { 'iam:passedtoservice': 'ecs-*' } } });
    expect(evaluate([like], pass('ecs-tasks.amazonaws.com'))).toBe('Allow');
    expect(evaluate([like], pass('codebuild.amazonaws.com'))).toBe('ImplicitDeny');
  });

  it('treats negated operators as true for a missing key, IfExists as true, and ForAnyValue/ForAllValues as sets', () => {
    const notEquals = doc({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': 'eu-west-3' } } });
    const all = doc({ Effect: 'Allow', Action: '*', Resource: '*' });
    expect(evaluate([all, notEquals], { action: 'ec2:CreateVpc', resource: '*' })).toBe('ExplicitDeny');
    expect(evaluate([all, notEquals], { action: 'ec2:CreateVpc', resource: '*', context: { 'aws:RequestedRegion': 'eu-west-3' } })).toBe('Allow');
    const ifExists = doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEqualsIfExists: { 'ecs:cluster': 'demo' } } });
    expect(evaluate([ifExists], { action: 'ecs:ListTasks', resource: '*' })).toBe('Allow');
    expect(evaluate([ifExists], { action: 'ecs:ListTasks', resource: '*', context: { 'ecs:cluster': 'other' } })).toBe('ImplicitDeny');
    const anyValue = doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a', 'b'] } } });
    expect(evaluate([anyValue], { action: 'ecs:TagResource', resource: '*', context: { 'aws:TagKeys': ['z', 'b'] } })).toBe('Allow');
    expect(evaluate([anyValue], { action: 'ecs:TagResource', resource: '*' })).toBe('ImplicitDeny');
    const allValues = doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a', 'b'] } } });
    expect(evaluate([allValues], { action: 'ecs:TagResource', resource: '*', context: { 'aws:TagKeys': ['a', 'b'] } })).toBe('Allow');
    expect(evaluate([allValues], { action: 'ecs:TagResource', resource: '*', context: { 'aws:TagKeys': ['a', 'z'] } })).toBe('ImplicitDeny');
    expect(evaluate([allValues], { action: 'ecs:TagResource', resource: '*' })).toBe('Allow');
  });

  it('compares ARNs field by field (ArnLike, ArnEquals) and booleans (Bool)', () => {
    const arn = doc({ Effect: 'Allow', Action: 'iam:AttachRolePolicy', Resource: '*', Condition: { ArnEquals: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AWSCodeDeployRoleForECSLimited' } } });
    expect(evaluate([arn], { action: 'iam:AttachRolePolicy', resource: ROLE, context: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AWSCodeDeployRoleForECSLimited' } })).toBe('Allow');
    expect(evaluate([arn], { action: 'iam:AttachRolePolicy', resource: ROLE, context: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' } })).toBe('ImplicitDeny');
    const like = doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:codepipeline:*:123456789012:*' } } });
    expect(evaluate([like], { action: 's3:PutObject', resource: '*', context: { 'aws:SourceArn': 'arn:aws:codepipeline:eu-west-3:123456789012:demo' } })).toBe('Allow');
    expect(evaluate([like], { action: 's3:PutObject', resource: '*', context: { 'aws:SourceArn': 'arn:aws:codepipeline:eu-west-3:999999999999:demo' } })).toBe('ImplicitDeny');
    const tls = doc({ Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': false } } });
    const all = doc({ Effect: 'Allow', Action: '*', Resource: '*' });
    expect(evaluate([all, tls], { action: 's3:GetObject', resource: '*', context: { 'aws:SecureTransport': false } })).toBe('ExplicitDeny');
    expect(evaluate([all, tls], { action: 's3:GetObject', resource: '*', context: { 'aws:SecureTransport': true } })).toBe('Allow');
  });

  it('never lets an operator it does not know allow', () => {
    const d = doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { NumericLessThan: { 's3:max-keys': '10' } } });
    expect(evaluate([d], { action: 's3:ListBucket', resource: '*', context: { 's3:max-keys': '5' } })).toBe('ImplicitDeny');
  });

  it("words a denial as AWS does, naming the action", () => {
    const request = { action: 'ecs:DescribeTasks', resource: 'arn:aws:ecs:eu-west-3:1:task/demo/x' };
    expect(deniedMessage('arn:aws:sts::1:assumed-role/p/CodePipeline', request, 'ImplicitDeny')).toBe(
      'User: arn:aws:sts::1:assumed-role/p/CodePipeline is not authorized to perform: ecs:DescribeTasks on resource: arn:aws:ecs:eu-west-3:1:task/demo/x because no identity-based policy allows the ecs:DescribeTasks action',
    );
    expect(deniedMessage('u', request, 'ExplicitDeny')).toContain('with an explicit deny in an identity-based policy');
  });
});

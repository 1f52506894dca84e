// The simulated IAM, driven through the real SDK client.
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  DeleteConflictException,
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  EntityAlreadyExistsException,
  GetInstanceProfileCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  InvalidInputException,
  LimitExceededException,
  ListAttachedRolePoliciesCommand,
  ListInstanceProfilesForRoleCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  MalformedPolicyDocumentException,
  NoSuchEntityException,
  PutRolePolicyCommand,
  RemoveRoleFromInstanceProfileCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
  waitUntilRoleExists,
} from '@aws-sdk/client-iam';
import { Sandbox } from '../src/sandbox/sandbox';
import { ACCOUNT, REGION, useSandbox } from './helpers/sandbox-fixture';

const EXECUTION_POLICY = 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy';
const CODEDEPLOY_POLICY = 'arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS';
const ECR_READ_POLICY = 'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly';

const env = useSandbox();
let iam: IAMClient;

beforeEach(() => {
  iam = new IAMClient({ region: REGION });
});

/** Pretty-printed on purpose: IAM keeps the text as given. */
const trustPolicy = JSON.stringify(
  { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
  null,
  2,
);
const logsPolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/shipline/demo/*` }],
});

async function createRole(name = 'demo-exec', extra: Partial<ConstructorParameters<typeof CreateRoleCommand>[0]> = {}) {
  return iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustPolicy, ...extra }));
}

describe('IAM roles', () => {
  it('creates a role with AWS-shaped ARN and id and returns its trust policy URL-encoded, as given', async () => {
    const created = await createRole('demo-exec', {
      Path: '/shipline/',
      Description: 'task execution',
      MaxSessionDuration: 7200,
      Tags: [{ Key: 'shipline:stack', Value: 'demo' }],
    });
    expect(created.Role).toMatchObject({
      RoleName: 'demo-exec',
      Path: '/shipline/',
      Arn: `arn:aws:iam::${ACCOUNT}:role/shipline/demo-exec`,
      Description: 'task execution',
      MaxSessionDuration: 7200,
      Tags: [{ Key: 'shipline:stack', Value: 'demo' }],
    });
    expect(created.Role?.RoleId).toMatch(/^AROA[0-9A-Z]{17}$/);

    const got = await iam.send(new GetRoleCommand({ RoleName: 'demo-exec' }));
    expect(got.Role?.AssumeRolePolicyDocument).toBe(encodeURIComponent(trustPolicy));
    expect(got.Role?.AssumeRolePolicyDocument).not.toContain('{');
    expect(decodeURIComponent(got.Role?.AssumeRolePolicyDocument ?? '')).toBe(trustPolicy);
    expect(got.Role?.Tags).toEqual([{ Key: 'shipline:stack', Value: 'demo' }]);
    expect(got.Role?.RoleLastUsed).toEqual({});
    expect(Object.prototype.toString.call(got.Role?.CreateDate)).toBe('[object Date]');
  });

  it('accepts a URL-encoded trust policy and stores its JSON text', async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'encoded', AssumeRolePolicyDocument: encodeURIComponent(trustPolicy) }));
    const got = await iam.send(new GetRoleCommand({ RoleName: 'encoded' }));
    expect(decodeURIComponent(got.Role?.AssumeRolePolicyDocument ?? '')).toBe(trustPolicy);
  });

  it('refuses a duplicate name (case-insensitively), bad names and bad trust policies', async () => {
    await createRole('demo-exec');
    await expect(createRole('Demo-Exec')).rejects.toThrow(EntityAlreadyExistsException);
    await expect(createRole('demo-exec')).rejects.toMatchObject({ name: 'EntityAlreadyExistsException', message: 'Role with name demo-exec already exists.' });
    await expect(createRole('bad name')).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(createRole('x'.repeat(65))).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(createRole('pathless', { Path: 'shipline' })).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(createRole('short', { MaxSessionDuration: 60 })).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(iam.send(new CreateRoleCommand({ RoleName: 'broken', AssumeRolePolicyDocument: '{"Version": ' }))).rejects.toMatchObject({
      name: 'MalformedPolicyDocumentException',
      message: 'Syntax errors in policy.',
    });
    const withResource = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole', Resource: '*' }] });
    await expect(iam.send(new CreateRoleCommand({ RoleName: 'broken', AssumeRolePolicyDocument: withResource }))).rejects.toMatchObject({
      name: 'MalformedPolicyDocumentException',
      message: 'Has prohibited field Resource',
    });
    const noPrincipal = JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] });
    await expect(iam.send(new CreateRoleCommand({ RoleName: 'broken', AssumeRolePolicyDocument: noPrincipal }))).rejects.toThrow(MalformedPolicyDocumentException);
    await expect(iam.send(new GetRoleCommand({ RoleName: 'broken' }))).rejects.toThrow(NoSuchEntityException);
  });

  it('answers an unknown role with NoSuchEntityException, and the SDK waiter sees a new role', async () => {
    await expect(iam.send(new GetRoleCommand({ RoleName: 'ghost' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
      message: 'The role with name ghost cannot be found.',
    });
    await createRole('demo-exec');
    const result = await waitUntilRoleExists({ client: iam, minDelay: 0.01, maxDelay: 0.05, maxWaitTime: 5 }, { RoleName: 'demo-exec' });
    expect(result.state).toBe('SUCCESS');
  });

  it('lists roles by path prefix, without their tags', async () => {
    await createRole('b-role', { Path: '/shipline/', Tags: [{ Key: 'k', Value: 'v' }] });
    await createRole('a-role', { Path: '/shipline/' });
    await createRole('other');
    const all = await iam.send(new ListRolesCommand({}));
    expect(all.Roles?.map((r) => r.RoleName)).toEqual(['a-role', 'b-role', 'other']);
    const scoped = await iam.send(new ListRolesCommand({ PathPrefix: '/shipline/' }));
    expect(scoped.Roles?.map((r) => r.RoleName)).toEqual(['a-role', 'b-role']);
    expect(scoped.Roles?.[1]?.Tags).toBeUndefined();
    expect(scoped.IsTruncated).toBe(false);
  });

  it('pages ListRoles by MaxItems with an opaque Marker, and refuses a bad one', async () => {
    for (const name of ['c-role', 'a-role', 'b-role']) await createRole(name, { Path: '/shipline/' });
    const first = await iam.send(new ListRolesCommand({ PathPrefix: '/shipline/', MaxItems: 2 }));
    expect(first.Roles?.map((r) => r.RoleName)).toEqual(['a-role', 'b-role']);
    expect(first.IsTruncated).toBe(true);
    expect(first.Marker).toEqual(expect.any(String));
    const second = await iam.send(new ListRolesCommand({ PathPrefix: '/shipline/', MaxItems: 2, Marker: first.Marker }));
    expect(second.Roles?.map((r) => r.RoleName)).toEqual(['c-role']);
    expect(second.IsTruncated).toBe(false);
    expect(second.Marker).toBeUndefined();
    await expect(iam.send(new ListRolesCommand({ Marker: 'c-role' }))).rejects.toMatchObject({ name: 'ValidationError', message: 'Invalid Marker.' });
    await expect(iam.send(new ListRolesCommand({ MaxItems: 1001 }))).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(iam.send(new ListRolesCommand({ MaxItems: 0 }))).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(iam.send(new ListRolesCommand({ PathPrefix: 'shipline/' }))).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('pages a role\'s attached and inline policies and its instance profiles, IsTruncated and Marker as ListRoles', async () => {
    await createRole('demo-many');
    await createRole('demo-exec');
    const policies = ['AWSCodeDeployRoleForECS', 'AWSCodeDeployRoleForECSLimited', 'AmazonEC2ContainerRegistryReadOnly', 'AmazonEC2ContainerRegistryPowerUser', 'CloudWatchLogsFullAccess', 'ReadOnlyAccess'];
    for (const name of policies) await iam.send(new AttachRolePolicyCommand({ RoleName: 'demo-many', PolicyArn: `arn:aws:iam::aws:policy/${name}` }));
    const inline = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
    for (let i = 0; i < 6; i += 1) await iam.send(new PutRolePolicyCommand({ RoleName: 'demo-many', PolicyName: `p${i}`, PolicyDocument: inline }));
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'demo-many', MaxItems: 1000 }));
    expect(attached.AttachedPolicies).toHaveLength(5); // the tests' page size caps it
    expect(attached.IsTruncated).toBe(true);
    const rest = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'demo-many', Marker: attached.Marker }));
    expect([...attached.AttachedPolicies!, ...rest.AttachedPolicies!].map((p) => p.PolicyName).sort()).toEqual([...policies].sort());
    expect(rest.IsTruncated).toBe(false);
    const names = await iam.send(new ListRolePoliciesCommand({ RoleName: 'demo-many' }));
    expect(names.PolicyNames).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: 'demo-many', Marker: names.Marker }))).PolicyNames).toEqual(['p5']);
    // A Marker is good only for the call and role that gave it.
    await expect(iam.send(new ListRolePoliciesCommand({ RoleName: 'demo-exec', Marker: names.Marker }))).rejects.toMatchObject({ name: 'ValidationError', message: 'Invalid Marker.' });
    await expect(iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'demo-many', Marker: names.Marker }))).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(iam.send(new ListRolePoliciesCommand({ RoleName: 'demo-many', MaxItems: 0 }))).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('lists 100 roles a page when MaxItems is not given', async () => {
    env.restart({ pageSize: undefined }); // AWS's page sizes, not the tests' pages of 5
    for (let i = 0; i < 101; i += 1) await createRole(`role-${String(i).padStart(3, '0')}`);
    const first = await iam.send(new ListRolesCommand({}));
    expect(first.Roles).toHaveLength(100);
    expect(first.IsTruncated).toBe(true);
    const rest = await iam.send(new ListRolesCommand({ Marker: first.Marker }));
    expect(rest.Roles?.map((r) => r.RoleName)).toEqual(['role-100']);
  });

  it('updates the trust policy, description and session duration', async () => {
    await createRole('demo-exec');
    const codedeploy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'codedeploy.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'demo-exec', PolicyDocument: codedeploy }));
    await iam.send(new UpdateRoleCommand({ RoleName: 'demo-exec', Description: 'changed', MaxSessionDuration: 43200 }));
    const got = await iam.send(new GetRoleCommand({ RoleName: 'demo-exec' }));
    expect(decodeURIComponent(got.Role?.AssumeRolePolicyDocument ?? '')).toBe(codedeploy);
    expect(got.Role).toMatchObject({ Description: 'changed', MaxSessionDuration: 43200 });
    await expect(iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'demo-exec', PolicyDocument: 'nope' }))).rejects.toThrow(MalformedPolicyDocumentException);
    await expect(iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'ghost', PolicyDocument: codedeploy }))).rejects.toThrow(NoSuchEntityException);
  });

  it('tags, untags and lists role tags', async () => {
    await createRole('demo-exec', { Tags: [{ Key: 'shipline:stack', Value: 'demo' }] });
    await iam.send(new TagRoleCommand({ RoleName: 'demo-exec', Tags: [{ Key: 'env', Value: 'dev' }, { Key: 'shipline:stack', Value: 'demo2' }] }));
    await iam.send(new UntagRoleCommand({ RoleName: 'demo-exec', TagKeys: ['env'] }));
    expect((await iam.send(new ListRoleTagsCommand({ RoleName: 'demo-exec' }))).Tags).toEqual([{ Key: 'shipline:stack', Value: 'demo2' }]);
    const tooMany = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await expect(iam.send(new TagRoleCommand({ RoleName: 'demo-exec', Tags: tooMany }))).rejects.toThrow(LimitExceededException);
    await expect(iam.send(new TagRoleCommand({ RoleName: 'ghost', Tags: [{ Key: 'a', Value: 'b' }] }))).rejects.toThrow(NoSuchEntityException);
  });
});

describe('IAM role policies', () => {
  it('attaches AWS managed policies, idempotently, and detaches them', async () => {
    await createRole('demo-exec');
    for (const arn of [EXECUTION_POLICY, CODEDEPLOY_POLICY, ECR_READ_POLICY, EXECUTION_POLICY]) {
      await iam.send(new AttachRolePolicyCommand({ RoleName: 'demo-exec', PolicyArn: arn }));
    }
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'demo-exec' }));
    expect(attached.AttachedPolicies).toEqual([
      { PolicyName: 'AmazonECSTaskExecutionRolePolicy', PolicyArn: EXECUTION_POLICY },
      { PolicyName: 'AWSCodeDeployRoleForECS', PolicyArn: CODEDEPLOY_POLICY },
      { PolicyName: 'AmazonEC2ContainerRegistryReadOnly', PolicyArn: ECR_READ_POLICY },
    ]);
    const serviceRole = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'demo-exec', PathPrefix: '/service-role/' }));
    expect(serviceRole.AttachedPolicies?.map((p) => p.PolicyName)).toEqual(['AmazonECSTaskExecutionRolePolicy']);

    await iam.send(new DetachRolePolicyCommand({ RoleName: 'demo-exec', PolicyArn: CODEDEPLOY_POLICY }));
    await expect(iam.send(new DetachRolePolicyCommand({ RoleName: 'demo-exec', PolicyArn: CODEDEPLOY_POLICY }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
      message: `Policy ${CODEDEPLOY_POLICY} was not found.`,
    });
    expect((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'demo-exec' }))).AttachedPolicies).toHaveLength(2);
  });

  it('refuses unknown and malformed policy ARNs and unknown roles', async () => {
    await createRole('demo-exec');
    const unknown = 'arn:aws:iam::aws:policy/NoSuchPolicy';
    await expect(iam.send(new AttachRolePolicyCommand({ RoleName: 'demo-exec', PolicyArn: unknown }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
      message: `Policy ${unknown} does not exist or is not attachable.`,
    });
    await expect(iam.send(new AttachRolePolicyCommand({ RoleName: 'demo-exec', PolicyArn: 'AmazonECSTaskExecutionRolePolicy' }))).rejects.toThrow(InvalidInputException);
    await expect(iam.send(new AttachRolePolicyCommand({ RoleName: 'ghost', PolicyArn: EXECUTION_POLICY }))).rejects.toThrow(NoSuchEntityException);
  });

  it('puts, gets (URL-encoded), lists, replaces and deletes inline policies', async () => {
    await createRole('demo-exec');
    await iam.send(new PutRolePolicyCommand({ RoleName: 'demo-exec', PolicyName: 'logs', PolicyDocument: logsPolicy }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'demo-exec', PolicyName: 'ecr', PolicyDocument: encodeURIComponent(logsPolicy) }));
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: 'demo-exec', PolicyName: 'logs' }));
    expect(got).toMatchObject({ RoleName: 'demo-exec', PolicyName: 'logs', PolicyDocument: encodeURIComponent(logsPolicy) });
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: 'demo-exec' }))).PolicyNames).toEqual(['ecr', 'logs']);

    const narrower = JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: '*' } });
    await iam.send(new PutRolePolicyCommand({ RoleName: 'demo-exec', PolicyName: 'logs', PolicyDocument: narrower }));
    const replaced = await iam.send(new GetRolePolicyCommand({ RoleName: 'demo-exec', PolicyName: 'logs' }));
    expect(decodeURIComponent(replaced.PolicyDocument ?? '')).toBe(narrower);

    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'demo-exec', PolicyName: 'logs' }));
    await expect(iam.send(new GetRolePolicyCommand({ RoleName: 'demo-exec', PolicyName: 'logs' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
      message: 'The role policy with name logs cannot be found.',
    });
    await expect(iam.send(new DeleteRolePolicyCommand({ RoleName: 'demo-exec', PolicyName: 'logs' }))).rejects.toThrow(NoSuchEntityException);
  });

  it('refuses malformed and oversized inline policies', async () => {
    await createRole('demo-exec');
    const put = (document: string) => iam.send(new PutRolePolicyCommand({ RoleName: 'demo-exec', PolicyName: 'p', PolicyDocument: document }));
    await expect(put('{ not json')).rejects.toMatchObject({ name: 'MalformedPolicyDocumentException', message: 'Syntax errors in policy.' });
    await expect(put(JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:GetObject' }] }))).rejects.toMatchObject({
      name: 'MalformedPolicyDocumentException',
      message: 'Policy statement must contain resources.',
    });
    await expect(put(JSON.stringify({ Statement: [{ Effect: 'Allow', Resource: '*' }] }))).rejects.toMatchObject({
      message: 'Policy statement must contain actions.',
    });
    const huge = JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: Array.from({ length: 400 }, (_, i) => `arn:aws:s3:::bucket-${i}/*`) }] });
    await expect(put(huge)).rejects.toThrow(LimitExceededException);
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: 'demo-exec' }))).PolicyNames).toEqual([]);
  });

  it('refuses to delete a role while it has attached policies, inline policies or an instance profile', async () => {
    await createRole('nat');
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'nat', PolicyArn: 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore' }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'nat', PolicyName: 'logs', PolicyDocument: logsPolicy }));
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'nat' }));
    await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'nat', RoleName: 'nat' }));

    const deleteRole = () => iam.send(new DeleteRoleCommand({ RoleName: 'nat' }));
    await expect(deleteRole()).rejects.toMatchObject({ name: 'DeleteConflictException', message: 'Cannot delete entity, must detach all policies first.' });
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'nat', PolicyArn: 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore' }));
    await expect(deleteRole()).rejects.toMatchObject({ name: 'DeleteConflictException', message: 'Cannot delete entity, must delete policies first.' });
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'nat', PolicyName: 'logs' }));
    await expect(deleteRole()).rejects.toThrow(DeleteConflictException);
    await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'nat', RoleName: 'nat' }));
    await deleteRole();
    await expect(iam.send(new GetRoleCommand({ RoleName: 'nat' }))).rejects.toThrow(NoSuchEntityException);
    await expect(deleteRole()).rejects.toThrow(NoSuchEntityException);
  });
});

describe('IAM instance profiles', () => {
  it('holds one role, lists the profiles of a role, and is deletable only when empty', async () => {
    await createRole('nat');
    await createRole('other');
    const created = await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'nat', Path: '/shipline/' }));
    expect(created.InstanceProfile).toMatchObject({ Arn: `arn:aws:iam::${ACCOUNT}:instance-profile/shipline/nat`, Roles: [] });
    expect(created.InstanceProfile?.InstanceProfileId).toMatch(/^AIPA[0-9A-Z]{17}$/);
    await expect(iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'NAT' }))).rejects.toThrow(EntityAlreadyExistsException);
    await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'nat', RoleName: 'nat' }));
    await expect(iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'nat', RoleName: 'other' }))).rejects.toThrow(LimitExceededException);
    const got = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'nat' }));
    expect(got.InstanceProfile?.Roles?.map((r) => r.RoleName)).toEqual(['nat']);
    const forRole = await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'nat' }));
    expect(forRole.InstanceProfiles?.map((p) => p.InstanceProfileName)).toEqual(['nat']);
    await expect(iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'nat' }))).rejects.toThrow(DeleteConflictException);
    await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'nat', RoleName: 'nat' }));
    await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'nat' }));
    await expect(iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'nat' }))).rejects.toThrow(NoSuchEntityException);
  });
});

describe('IAM inventory and snapshots', () => {
  it('lists roles, their inline policies and attachments, and instance profiles', async () => {
    await createRole('demo-exec', { Tags: [{ Key: 'shipline:stack', Value: 'demo' }] });
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'demo-exec', PolicyArn: EXECUTION_POLICY }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'demo-exec', PolicyName: 'logs', PolicyDocument: logsPolicy }));
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'nat' }));
    const items = env.sandbox.inventory().filter((i) => i.service === 'iam');
    const rows = items.map((i) => [i.type, i.key, i.tags]).sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1));
    expect(rows).toEqual([
      ['instance-profile', '/nat', {}],
      ['role', '/demo-exec', { 'shipline:stack': 'demo' }],
      ['role-policy', '/demo-exec/logs', {}],
      ['role-policy-attachment', `/demo-exec/${EXECUTION_POLICY}`, {}],
    ]);
  });

  it('keeps roles and policies across a snapshot and restore', async () => {
    await createRole('demo-exec');
    await iam.send(new PutRolePolicyCommand({ RoleName: 'demo-exec', PolicyName: 'logs', PolicyDocument: logsPolicy }));
    const snapshot = JSON.parse(JSON.stringify(env.sandbox.snapshot())) as ReturnType<Sandbox['snapshot']>;
    env.restoreFrom(snapshot);
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: 'demo-exec', PolicyName: 'logs' }));
    expect(decodeURIComponent(got.PolicyDocument ?? '')).toBe(logsPolicy);
    const again = await createRole('second');
    const first = await iam.send(new GetRoleCommand({ RoleName: 'demo-exec' }));
    expect(again.Role?.RoleId).not.toBe(first.Role?.RoleId);
  });
});

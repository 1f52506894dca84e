// Unit tests of the connection step against a stubbed CodeConnections client: the create inputs,
// what it says about a PENDING connection (and where to approve it), the status kept in state,
// adoption by name + tag, and destroy with and without --keep-connection.
import {
  CodeStarConnectionsClient,
  CreateConnectionCommand,
  DeleteConnectionCommand,
  GetConnectionCommand,
  ListConnectionsCommand,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
  type Connection,
  type ConnectionStatus,
} from '@aws-sdk/client-codestar-connections';
import { mockClient } from 'aws-sdk-client-mock';
import { isMutating } from '../src/aws/operations';
import { ForeignResourceError } from '../src/errors';
import { KNOWN_AFTER_APPLY } from '../src/step';
import { connection, connectionConsoleUrl } from '../steps/connection';
import { testContext, type TestContext } from './helpers/context';

const connections = mockClient(CodeStarConnectionsClient);

const ARN = 'arn:aws:codestar-connections:eu-west-3:123456789012:connection/0a1b2c3d-0000-4000-a000-000000000001';
const OTHER_ARN = 'arn:aws:codestar-connections:eu-west-3:123456789012:connection/0a1b2c3d-0000-4000-a000-000000000002';
const UNTAGGED_ARN = 'arn:aws:codestar-connections:eu-west-3:123456789012:connection/0a1b2c3d-0000-4000-a000-000000000003';
const URL = 'https://console.aws.amazon.com/codesuite/settings/connections?region=eu-west-3';
const TAGS = [
  { Key: 'shipline:stack', Value: 'demo' },
  { Key: 'shipline:step', Value: 'connection' },
  { Key: 'Name', Value: 'demo-github' },
];
const state = (status: ConnectionStatus) => ({ 'connection.github': { id: ARN, status } });

const github = (status: ConnectionStatus, overrides: Partial<Connection> = {}): Connection => ({
  ConnectionName: 'demo-github',
  ConnectionArn: ARN,
  ProviderType: 'GitHub',
  OwnerAccountId: '123456789012',
  ConnectionStatus: status,
  ...overrides,
});

const notFound = () => new ResourceNotFoundException({ message: `Connection ${ARN} not found`, $metadata: {} });

function awsHasNothing(): void {
  connections.on(ListConnectionsCommand).resolves({ Connections: [] });
  connections.on(CreateConnectionCommand).resolves({ ConnectionArn: ARN, Tags: TAGS });
}

function awsHasConnection(status: ConnectionStatus, tags = TAGS): void {
  connections.on(GetConnectionCommand, { ConnectionArn: ARN }).resolves({ Connection: github(status) });
  connections.on(ListConnectionsCommand).resolves({ Connections: [github(status)] });
  connections.on(ListTagsForResourceCommand, { ResourceArn: ARN }).resolves({ Tags: tags });
}

/** The context with its log's warnings and infos captured. */
function withLogs(ctx: TestContext) {
  const warnings: string[] = [];
  const infos: string[] = [];
  const capture = (into: string[]) => (fields: unknown, message?: string) => void into.push(typeof fields === 'string' ? fields : message ?? '');
  jest.spyOn(ctx.log, 'warn').mockImplementation(capture(warnings) as never);
  jest.spyOn(ctx.log, 'info').mockImplementation(capture(infos) as never);
  return { ctx, warnings, infos };
}

const mutatingCommands = () => connections.calls().map((c) => (c.args[0] as object).constructor.name).filter(isMutating);
const outcomeOf = (ctx: TestContext) => ctx.outcomes.find((o) => o.resource === 'connection.github');

beforeEach(() => {
  connections.reset();
  connections.onAnyCommand().rejects(new Error('unexpected call'));
});

afterEach(() => jest.restoreAllMocks());
afterAll(() => connections.restore());

describe('connection step: create from nothing', () => {
  it('creates a GitHub connection named after the stack, tagged', async () => {
    awsHasNothing();
    const ctx = testContext('connection');
    await connection.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['CreateConnectionCommand']);
    expect(connections.commandCalls(CreateConnectionCommand)[0]!.args[0].input).toEqual({ ProviderType: 'GitHub', ConnectionName: 'demo-github', Tags: TAGS });
    expect(connections).toHaveReceivedCommandWith(ListConnectionsCommand, { ProviderTypeFilter: 'GitHub' });
    expect(Object.fromEntries(ctx.records)).toEqual(state('PENDING'));
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'created', id: ARN });
  });

  it('warns that the new connection is PENDING until a person approves it, and where', async () => {
    awsHasNothing();
    const { ctx, warnings } = withLogs(testContext('connection'));
    await connection.reconcile(ctx);
    expect(connectionConsoleUrl('eu-west-3')).toBe(URL);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('PENDING');
    expect(warnings[0]).toContain('approves it once in the console');
    expect(warnings[0]).toContain(URL);
    expect(warnings[0]).toContain('the pipeline cannot pull the repository');
  });

  it('outputs the connection with its status, and the approval address while it is PENDING', async () => {
    awsHasNothing();
    const ctx = testContext('connection');
    await connection.reconcile(ctx);
    expect(connection.outputs!(ctx.state, ctx.config)).toEqual([
      { key: 'connection', label: 'GitHub connection', value: `${ARN} (PENDING)`, json: { arn: ARN, status: 'PENDING' } },
      { key: 'connectionApproval', label: 'approve the GitHub connection', value: URL },
    ]);
  });
});

describe('connection step: re-run', () => {
  it('once approved: no mutating call, no warning, the status recorded once', async () => {
    awsHasConnection('AVAILABLE');
    const { ctx, warnings } = withLogs(testContext('connection', { state: state('PENDING') }));
    const update = jest.spyOn(ctx.state, 'update');
    await connection.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(connections.calls()).toHaveLength(1); // GetConnection only
    expect(warnings).toEqual([]);
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'unchanged', id: ARN });
    expect(update).toHaveBeenCalledTimes(1);
    expect(Object.fromEntries(ctx.records)).toEqual(state('AVAILABLE'));
    expect(connection.outputs!(ctx.state, ctx.config)).toEqual([
      { key: 'connection', label: 'GitHub connection', value: `${ARN} (AVAILABLE)`, json: { arn: ARN, status: 'AVAILABLE' } },
    ]);
  });

  it('writes nothing to state when the status did not change', async () => {
    awsHasConnection('AVAILABLE');
    const ctx = testContext('connection', { state: state('AVAILABLE') });
    const update = jest.spyOn(ctx.state, 'update');
    const record = jest.spyOn(ctx.state, 'record');
    await connection.reconcile(ctx);
    expect(update).not.toHaveBeenCalled();
    expect(record).not.toHaveBeenCalled();
  });

  it('still PENDING: warns again on every run', async () => {
    awsHasConnection('PENDING');
    const { ctx, warnings } = withLogs(testContext('connection', { state: state('PENDING') }));
    await connection.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(warnings.join('\n')).toContain(URL);
  });

  it('in ERROR: says to delete it in the console so that provision makes a new one', async () => {
    awsHasConnection('ERROR');
    const { ctx, warnings } = withLogs(testContext('connection', { state: state('AVAILABLE') }));
    await connection.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/ERROR.*Delete the connection in the console.*provision again/);
    expect(ctx.records.get('connection.github')?.status).toBe('ERROR');
  });

  it('creates a new connection when the recorded one is gone', async () => {
    awsHasNothing();
    connections.on(GetConnectionCommand).rejects(notFound());
    const ctx = testContext('connection', { state: state('AVAILABLE') });
    await connection.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['CreateConnectionCommand']);
    expect(Object.fromEntries(ctx.records)).toEqual(state('PENDING'));
  });
});

describe('connection step: adoption', () => {
  it('adopts the same-named connection that carries the stack tag, keeping its status', async () => {
    awsHasConnection('AVAILABLE');
    const ctx = testContext('connection');
    await connection.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(connections).toHaveReceivedCommandWith(ListTagsForResourceCommand, { ResourceArn: ARN });
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'adopted', id: ARN });
    expect(Object.fromEntries(ctx.records)).toEqual(state('AVAILABLE'));
  });

  it('prefers the approved one of two, and ignores other names and untagged namesakes', async () => {
    connections.on(ListConnectionsCommand).resolves({
      Connections: [
        github('PENDING', { ConnectionArn: OTHER_ARN }),
        github('AVAILABLE', { ConnectionArn: UNTAGGED_ARN }),
        github('AVAILABLE', { ConnectionName: 'someone-else' }),
        github('AVAILABLE'),
      ],
    });
    connections.on(ListTagsForResourceCommand).resolves({ Tags: TAGS });
    connections.on(ListTagsForResourceCommand, { ResourceArn: UNTAGGED_ARN }).resolves({ Tags: [] });
    const ctx = testContext('connection');
    await connection.reconcile(ctx);
    expect(connections).toHaveReceivedCommandTimes(ListTagsForResourceCommand, 3);
    expect(Object.fromEntries(ctx.records)).toEqual(state('AVAILABLE'));
  });

  it('follows ListConnections pages', async () => {
    connections.on(ListConnectionsCommand).resolvesOnce({ Connections: [], NextToken: 'next' }).resolves({ Connections: [github('PENDING')] });
    connections.on(ListTagsForResourceCommand).resolves({ Tags: TAGS });
    const ctx = testContext('connection');
    await connection.reconcile(ctx);
    expect(connections).toHaveReceivedCommandWith(ListConnectionsCommand, { ProviderTypeFilter: 'GitHub', NextToken: 'next' });
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'adopted', id: ARN });
  });

  it('refuses a same-named connection without the stack tag, and changes nothing', async () => {
    awsHasConnection('AVAILABLE', [{ Key: 'team', Value: 'web' }]);
    const ctx = testContext('connection');
    const error = await connection.reconcile(ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForeignResourceError);
    expect((error as Error).message).toContain('GitHub connection demo-github');
    expect(mutatingCommands()).toEqual([]);
    expect(ctx.records.size).toBe(0);
  });
});

describe('connection step: dry run', () => {
  it('on an empty account makes no mutating call and plans the connection', async () => {
    awsHasNothing();
    const { ctx, infos } = withLogs(testContext('connection', { dryRun: true }));
    await connection.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'created', id: KNOWN_AFTER_APPLY });
    expect(infos.join('\n')).toContain(URL);
    expect(ctx.records.size).toBe(0);
  });

  it('does not write the changed status', async () => {
    awsHasConnection('AVAILABLE');
    const ctx = testContext('connection', { state: state('PENDING'), dryRun: true });
    await connection.reconcile(ctx);
    expect(Object.fromEntries(ctx.records)).toEqual(state('PENDING'));
  });

  it('destroy makes no call that changes anything', async () => {
    awsHasConnection('AVAILABLE');
    const ctx = testContext('connection', { state: state('AVAILABLE'), dryRun: true });
    await connection.destroy(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'deleted', id: ARN });
    expect(Object.fromEntries(ctx.records)).toEqual(state('AVAILABLE'));
  });
});

describe('connection step: destroy', () => {
  it('deletes the connection and forgets it', async () => {
    awsHasConnection('AVAILABLE');
    connections.on(DeleteConnectionCommand).resolves({});
    const ctx = testContext('connection', { state: state('AVAILABLE') });
    await connection.destroy(ctx);
    expect(mutatingCommands()).toEqual(['DeleteConnectionCommand']);
    expect(connections).toHaveReceivedCommandWith(DeleteConnectionCommand, { ConnectionArn: ARN });
    expect(ctx.records.size).toBe(0);
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'deleted', id: ARN });
  });

  it('takes a connection already gone as done', async () => {
    connections.on(ListTagsForResourceCommand).rejects(notFound());
    const ctx = testContext('connection', { state: state('AVAILABLE') });
    await connection.destroy(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(ctx.records.size).toBe(0);
  });

  it('refuses a recorded connection that carries another stack\'s tag: no delete, the record stays', async () => {
    awsHasConnection('AVAILABLE', [{ Key: 'shipline:stack', Value: 'bravo' }]);
    const ctx = testContext('connection', { state: state('AVAILABLE') });
    await connection.destroy(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(ctx.records.get('connection.github')?.id).toBe(ARN);
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'refused', detail: `state says connection.github is ${ARN}, but ${ARN} carries shipline:stack=bravo; left alone` });
  });

  it('with a lost state deletes the same-named connection only if it carries the stack tag', async () => {
    awsHasConnection('AVAILABLE');
    connections.on(DeleteConnectionCommand).resolves({});
    await connection.destroy(testContext('connection'));
    expect(connections).toHaveReceivedCommandWith(DeleteConnectionCommand, { ConnectionArn: ARN });

    connections.reset();
    connections.onAnyCommand().rejects(new Error('unexpected call'));
    awsHasConnection('AVAILABLE', []);
    await connection.destroy(testContext('connection'));
    expect(mutatingCommands()).toEqual([]);
  });

  it('with keepConnection leaves the connection and its record, and says so', async () => {
    const { ctx, infos } = withLogs({ ...testContext('connection', { state: state('AVAILABLE') }), keepConnection: true });
    await connection.destroy(ctx);
    expect(connections.calls()).toEqual([]);
    expect(Object.fromEntries(ctx.records)).toEqual(state('AVAILABLE'));
    expect(infos.join('\n')).toMatch(/keeping GitHub connection .*--keep-connection/);
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'unchanged', id: ARN });
  });

  it('the next provision finds a kept connection again by its ARN', async () => {
    const kept = { ...testContext('connection', { state: state('AVAILABLE') }), keepConnection: true };
    await connection.destroy(kept);
    awsHasConnection('AVAILABLE');
    const ctx = testContext('connection', { state: Object.fromEntries(kept.records) });
    await connection.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(connections).not.toHaveReceivedCommand(ListConnectionsCommand);
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'unchanged', id: ARN });
  });
});

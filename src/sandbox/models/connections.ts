// CodeConnections (formerly CodeStar Connections), simulated: connections to a source provider.
//
// Behaviour, as AWS documents it (the full specification is in README.md):
// - CreateConnection: ProviderType GitHub, Bitbucket or GitLab (the self-hosted types need a host,
//   not modelled); ConnectionName 1–32 characters → ValidationException otherwise; names need not
//   be unique. Answers `arn:aws:codestar-connections:<region>:<account>:connection/<uuid>` and the
//   Tags. A new connection is PENDING: AWS leaves it so until a person completes the handshake in
//   the console, and a pipeline cannot use it before that.
// - GetConnection, DeleteConnection: unknown ARN → ResourceNotFoundException; an ARN that is not
//   one → ValidationException. The `codeconnections` spelling of an ARN finds the same connection.
// - ListConnections: every connection, or those of ProviderTypeFilter (HostArnFilter finds none);
//   paged by MaxResults (at most 100) and NextToken (another call's → ValidationException).
// - Tags: TagResource / UntagResource / ListTagsForResource by connection ARN.
// - Non-AWS helpers: approveConnection(arn) (the console handshake → AVAILABLE),
//   connectionStatus(arn).
// - inventory(): one `connection` per connection, keyed by its name.
import {
  LimitExceededException,
  ResourceNotFoundException,
  type Connection,
  type ConnectionStatus,
  type CreateConnectionCommandInput,
  type CreateConnectionCommandOutput,
  type DeleteConnectionCommandInput,
  type DeleteConnectionCommandOutput,
  type GetConnectionCommandInput,
  type GetConnectionCommandOutput,
  type ListConnectionsCommandInput,
  type ListConnectionsCommandOutput,
  type ListTagsForResourceCommandInput,
  type ListTagsForResourceCommandOutput,
  type ProviderType,
  type TagResourceCommandInput,
  type TagResourceCommandOutput,
  type UntagResourceCommandInput,
  type UntagResourceCommandOutput,
} from '@aws-sdk/client-codestar-connections';
import { createHash } from 'node:crypto';
import { awsError, SandboxNotModelled } from '../kernel/errors';
import { type InventoryItem, type Out, SandboxService } from '../kernel/service';
import { pageOf, type PageLimits } from '../kernel/pages';
import { type Tags, tagsToList } from '../kernel/tags';

const MAX_NAME_LENGTH = 32;
const MAX_TAGS = 200;
/** Provider types that connect to a cloud service directly; the others need a host. */
const CLOUD_PROVIDERS: readonly string[] = ['GitHub', 'Bitbucket', 'GitLab'];
const HOSTED_PROVIDERS: readonly string[] = ['GitHubEnterpriseServer', 'GitLabSelfManaged'];
/** AWS's pattern for a connection ARN parameter. */
const ARN_PATTERN = /^arn:aws(-[\w]+)*:.+:.+:[0-9]{12}:.+$/;

interface ConnectionRecord {
  arn: string;
  name: string;
  providerType: ProviderType;
  status: ConnectionStatus;
  tags: Tags;
}

export interface ConnectionsData {
  /** By connection ARN (the `codestar-connections` spelling), in creation order. */
  connections: Record<string, ConnectionRecord>;
}

/**
 * ListConnections: MaxResults at most 100 (botocore's model; it sets no default, so the sandbox
 * answers at most 100 too, and refuses 0, which the model allows but could never page).
 */
const CONNECTION_PAGES: PageLimits = {
  operation: 'ListConnections',
  awsDefault: 100,
  awsMax: 100,
  invalid: (message) => awsError('ValidationException', message),
};

export class ConnectionsSandbox extends SandboxService<ConnectionsData> {
  readonly service = 'connections' as const;

  static empty(): ConnectionsData {
    return { connections: {} };
  }

  // ---- Connections -------------------------------------------------------------------------------

  createConnection(input: CreateConnectionCommandInput): Out<CreateConnectionCommandOutput> {
    const name = input.ConnectionName ?? '';
    if (name.length < 1 || name.length > MAX_NAME_LENGTH) {
      throw validationError(`Value '${name}' at 'connectionName' failed to satisfy constraint: Member must have length between 1 and ${MAX_NAME_LENGTH}`);
    }
    if (input.HostArn) throw new SandboxNotModelled('the sandbox does not model CodeConnections hosts (HostArn)');
    const providerType = input.ProviderType;
    if (providerType && HOSTED_PROVIDERS.includes(providerType)) {
      throw new SandboxNotModelled(`the sandbox does not model CodeConnections hosts (ProviderType ${providerType})`);
    }
    if (!providerType || !CLOUD_PROVIDERS.includes(providerType)) {
      throw validationError(
        `Value '${providerType ?? 'null'}' at 'providerType' failed to satisfy constraint: Member must satisfy enum value set: [Bitbucket, GitHub, GitHubEnterpriseServer, GitLab, GitLabSelfManaged]`,
      );
    }
    const tags = mergeTags({}, input.Tags);
    const arn = this.world.arn('codestar-connections', `connection/${this.newConnectionId()}`);
    this.data.connections[arn] = { arn, name, providerType, status: 'PENDING', tags };
    return { ConnectionArn: arn, ...(input.Tags ? { Tags: tagsToList(tags) } : {}) };
  }

  getConnection(input: GetConnectionCommandInput): Out<GetConnectionCommandOutput> {
    return { Connection: this.describeConnection(this.requireConnection(input.ConnectionArn)) };
  }

  listConnections(input: ListConnectionsCommandInput): Out<ListConnectionsCommandOutput> {
    const connections = Object.values(this.data.connections)
      .filter((c) => input.ProviderTypeFilter === undefined || c.providerType === input.ProviderTypeFilter)
      .filter(() => input.HostArnFilter === undefined); // no connection has a host
    const scope = `${input.ProviderTypeFilter ?? ''}\n${input.HostArnFilter ?? ''}`;
    const page = pageOf(this.world, connections, { max: input.MaxResults, token: input.NextToken, scope }, CONNECTION_PAGES);
    return { Connections: page.items.map((c) => this.describeConnection(c)), ...(page.next ? { NextToken: page.next } : {}) };
  }

  deleteConnection(input: DeleteConnectionCommandInput): Out<DeleteConnectionCommandOutput> {
    const connection = this.requireConnection(input.ConnectionArn);
    delete this.data.connections[connection.arn];
    return {};
  }

  // ---- Tags --------------------------------------------------------------------------------------

  tagResource(input: TagResourceCommandInput): Out<TagResourceCommandOutput> {
    const connection = this.requireConnection(input.ResourceArn);
    connection.tags = mergeTags(connection.tags, input.Tags);
    return {};
  }

  untagResource(input: UntagResourceCommandInput): Out<UntagResourceCommandOutput> {
    const connection = this.requireConnection(input.ResourceArn);
    for (const key of input.TagKeys ?? []) delete connection.tags[key];
    return {};
  }

  listTagsForResource(input: ListTagsForResourceCommandInput): Out<ListTagsForResourceCommandOutput> {
    return { Tags: tagsToList(this.requireConnection(input.ResourceArn).tags) };
  }

  // ---- Helpers for tests and the other services (not AWS operations) -----------------------------

  /** What a person does once in the console: complete the provider handshake. */
  approveConnection(arn: string): void {
    this.requireConnection(arn).status = 'AVAILABLE';
  }

  /** The connection's status, or undefined when there is no such connection. */
  connectionStatus(arn: string): ConnectionStatus | undefined {
    return this.findConnection(arn)?.status;
  }

  // ---- Inventory ---------------------------------------------------------------------------------

  inventory(): InventoryItem[] {
    return Object.values(this.data.connections).map((c) => ({
      service: 'connections',
      type: 'connection',
      id: c.arn,
      tags: { ...c.tags },
      key: c.name,
    }));
  }

  // ---- Helpers -----------------------------------------------------------------------------------

  private describeConnection(c: ConnectionRecord): Connection {
    return {
      ConnectionName: c.name,
      ConnectionArn: c.arn,
      ProviderType: c.providerType,
      OwnerAccountId: this.world.account,
      ConnectionStatus: c.status,
    };
  }

  private findConnection(arn: string | undefined): ConnectionRecord | undefined {
    // Since the 2024 rename AWS answers to both service prefixes.
    const canonical = arn?.replace(/^(arn:[^:]+):codeconnections:/, '$1:codestar-connections:');
    return canonical === undefined ? undefined : this.data.connections[canonical];
  }

  private requireConnection(arn: string | undefined): ConnectionRecord {
    if (arn === undefined || !ARN_PATTERN.test(arn)) {
      throw validationError(`Value '${arn ?? 'null'}' at 'connectionArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws(-[\\w]+)*:.+:.+:[0-9]{12}:.+`);
    }
    const connection = this.findConnection(arn);
    if (!connection) throw new ResourceNotFoundException({ message: `Connection ${arn} not found`, $metadata: { httpStatusCode: 400 } });
    return connection;
  }

  /** A UUID-shaped ID, deterministic for a given sequence of calls. */
  private newConnectionId(): string {
    this.world.idCounter += 1;
    const hex = createHash('sha256').update(`connection:${this.world.idCounter}`).digest('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}

/** The error AWS's request validation answers for a parameter out of its constraints. */
function validationError(detail: string): Error {
  return awsError('ValidationException', `1 validation error detected: ${detail}`);
}

function mergeTags(existing: Tags, list: ReadonlyArray<{ Key?: string; Value?: string }> | undefined): Tags {
  const merged = { ...existing };
  for (const { Key, Value } of list ?? []) {
    if (!Key || Key.length > 128) throw validationError(`Value '${Key ?? ''}' at 'tags.member.key' failed to satisfy constraint: Member must have length between 1 and 128`);
    if ((Value ?? '').length > 256) throw validationError(`Value at 'tags.member.value' failed to satisfy constraint: Member must have length less than or equal to 256`);
    merged[Key] = Value ?? '';
  }
  if (Object.keys(merged).length > MAX_TAGS) throw new LimitExceededException({ message: `A resource can have no more than ${MAX_TAGS} tags`, $metadata: { httpStatusCode: 400 } });
  return merged;
}

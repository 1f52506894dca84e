// CloudWatch Logs (simulated): log groups with their retention and tags.
//
// Behaviour, as AWS documents it:
// - CreateLogGroup: name 1–512 chars of [A-Za-z0-9._/#-], not starting with `aws/`
//   (InvalidParameterException otherwise);
//   ResourceAlreadyExistsException if the name exists. Optional tags and logGroupClass (STANDARD).
// - DescribeLogGroups: every group, sorted by name, paged (limit 1–50, default 50, nextToken;
//   another call's token → InvalidParameterException); filtered by logGroupNamePrefix, or by
//   logGroupNamePattern (case-insensitive substring), or by logGroupIdentifiers (names or ARNs;
//   unknown ones are simply absent). Prefix together with identifiers/pattern →
//   InvalidParameterException. Each group carries `arn` with AWS's trailing `:*` and `logGroupArn`
//   without it. No pagination.
// - PutRetentionPolicy: only AWS's retention values (1, 3, 5, … 3653) → InvalidParameterException
//   otherwise; DeleteRetentionPolicy removes it (never expire). Unknown group →
//   ResourceNotFoundException, as for DeleteLogGroup.
// - Tags: TagResource / UntagResource / ListTagsForResource take the log group ARN *without* `:*`
//   (`arn:aws:logs:<region>:<account>:log-group:<name>`); the `:*` form or anything that is not a
//   log group ARN → ValidationException "Invalid resourceArn", as AWS answers. The legacy
//   TagLogGroup / UntagLogGroup / ListTagsLogGroup take the name. At most 50 tags per group
//   (TooManyTagsException).
// - Log events: GetLogEvents reads a stream's events (logGroupName + logStreamName; unknown group
//   or stream → ResourceNotFoundException), oldest first; without startFromHead the last `limit`
//   (1–10,000) events, with it the first. Paging by nextToken is not modelled. Events are written by
//   the services that log (a CodeBuild build, an ECS task's awslogs driver: `appendEvents`), never
//   by PutLogEvents.
// - FilterLogEvents: exactly one of logGroupName / logGroupIdentifier (InvalidParameterException
//   otherwise; an unknown group → ResourceNotFoundException); logStreamNames (1–100) and
//   logStreamNamePrefix not both (InvalidParameterException); a named stream that does not exist →
//   ResourceNotFoundException "The specified log stream does not exist."; events with startTime <= timestamp <=
//   endTime, every stream's interleaved, sorted by timestamp then ingestion time; paged by
//   nextToken (limit 1–10,000, 10,000 when not given; another call's token →
//   InvalidParameterException), each event with its eventId, logStreamName and ingestionTime.
//   filterPattern is not modelled (SandboxNotModelled). Before it answers, the services that write
//   logs are brought up to the clock (`settleWriters`), as their logs would have arrived on AWS.
// - inventory(): one `log-group` per group, keyed by its name.
import {
  InvalidParameterException,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  TooManyTagsException,
  ValidationException,
  type CreateLogGroupCommandInput,
  type CreateLogGroupCommandOutput,
  type DeleteLogGroupCommandInput,
  type DeleteLogGroupCommandOutput,
  type DeleteRetentionPolicyCommandInput,
  type DeleteRetentionPolicyCommandOutput,
  type DescribeLogGroupsCommandInput,
  type DescribeLogGroupsCommandOutput,
  type ListTagsForResourceCommandInput,
  type ListTagsForResourceCommandOutput,
  type ListTagsLogGroupCommandInput,
  type ListTagsLogGroupCommandOutput,
  type FilterLogEventsCommandInput,
  type FilterLogEventsCommandOutput,
  type FilteredLogEvent,
  type GetLogEventsCommandInput,
  type GetLogEventsCommandOutput,
  type LogGroup,
  type LogGroupClass,
  type PutRetentionPolicyCommandInput,
  type PutRetentionPolicyCommandOutput,
  type TagLogGroupCommandInput,
  type TagLogGroupCommandOutput,
  type TagResourceCommandInput,
  type TagResourceCommandOutput,
  type UntagLogGroupCommandInput,
  type UntagLogGroupCommandOutput,
  type UntagResourceCommandInput,
  type UntagResourceCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
import { createHash } from 'node:crypto';
import { type InventoryItem, type Out, SandboxService } from '../kernel/service';
import { pageOf, type PageLimits } from '../kernel/pages';
import type { Tags } from '../kernel/tags';
import { SandboxNotModelled } from '../kernel/errors';

/** The only retention periods AWS accepts, in days. */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];
const MAX_TAGS = 50;
const LOG_GROUP_NAME = /^[A-Za-z0-9._/#-]{1,512}$/;

interface LogGroupRecord {
  name: string;
  /** Epoch milliseconds, as AWS reports creationTime. */
  creationTime: number;
  retentionInDays?: number;
  logGroupClass: LogGroupClass;
  kmsKeyId?: string;
  tags: Tags;
}

/** One log event: epoch milliseconds, as AWS reports `timestamp`. */
export interface LogEventRecord {
  timestamp: number;
  message: string;
}

export interface LogsData {
  /** By log group name. */
  logGroups: Record<string, LogGroupRecord>;
  /** A group's streams and their events, by group name then stream name (absent in older worlds). */
  streams?: Record<string, Record<string, LogEventRecord[]>>;
}

/**
 * An event's ID: unique in the group and stable across reads (AWS's are long decimal strings), so
 * a reader that polls with an overlapping startTime can drop what it has seen.
 */
function eventIdOf(group: string, stream: string, timestamp: number, index: number): string {
  const digest = BigInt(`0x${createHash('sha256').update(`${group}\n${stream}`).digest('hex').slice(0, 15)}`).toString().padStart(19, '0');
  return `${String(timestamp).padStart(16, '0')}${digest}${String(index).padStart(10, '0')}`;
}

/** GetLogEvents' `limit`: 1–10,000, "up to 10,000 log events" when not given. */
const MAX_EVENTS = 10_000;

/** DescribeLogGroups: `limit` 1–50, 50 when not given; a bad nextToken is an InvalidParameterException. */
const LOG_GROUP_PAGES: PageLimits = {
  operation: 'DescribeLogGroups',
  awsDefault: 50,
  awsMax: 50,
  invalid: (message) => new InvalidParameterException({ message, $metadata: {} }),
};

/** FilterLogEvents: `limit` 1–10,000, "up to 10,000 log events" a page; a bad nextToken is an InvalidParameterException. */
const FILTER_PAGES: PageLimits = {
  operation: 'FilterLogEvents',
  awsDefault: MAX_EVENTS,
  awsMax: MAX_EVENTS,
  invalid: (message) => new InvalidParameterException({ message, $metadata: {} }),
};
/** FilterLogEvents' logStreamNames: 1 to 100 names. */
const MAX_FILTER_STREAMS = 100;

export class LogsSandbox extends SandboxService<LogsData> {
  readonly service = 'logs' as const;

  /**
   * Brings the services that write logs (ECS tasks, pipelines and their builds) up to the clock
   * before events are read; the dispatcher sets it (those models settle lazily, on their reads).
   */
  settleWriters: () => void = () => undefined;

  static empty(): LogsData {
    return { logGroups: {} };
  }

  // ---- Log groups ------------------------------------------------------------------------------

  createLogGroup(input: CreateLogGroupCommandInput): Out<CreateLogGroupCommandOutput> {
    const name = input.logGroupName ?? '';
    if (!LOG_GROUP_NAME.test(name)) {
      throw new InvalidParameterException({
        message: `1 validation error detected: Value '${name}' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+`,
        $metadata: {},
      });
    }
    // AWS: "Log group names can't start with the string aws/" (CreateLogGroup); `/aws/…` is fine.
    if (name.startsWith('aws/')) {
      throw new InvalidParameterException({ message: `Log group name '${name}' cannot start with 'aws/'`, $metadata: {} });
    }
    if (this.data.logGroups[name]) {
      throw new ResourceAlreadyExistsException({ message: 'The specified log group already exists', $metadata: {} });
    }
    const tags = { ...(input.tags ?? {}) };
    this.checkTagCount(tags);
    this.data.logGroups[name] = {
      name,
      creationTime: this.world.nowDate().getTime(),
      logGroupClass: input.logGroupClass ?? 'STANDARD',
      ...(input.kmsKeyId ? { kmsKeyId: input.kmsKeyId } : {}),
      tags,
    };
    return {};
  }

  describeLogGroups(input: DescribeLogGroupsCommandInput): Out<DescribeLogGroupsCommandOutput> {
    const prefix = input.logGroupNamePrefix;
    const pattern = input.logGroupNamePattern;
    const identifiers = input.logGroupIdentifiers;
    if (prefix !== undefined && (pattern !== undefined || identifiers !== undefined)) {
      throw new InvalidParameterException({
        message: 'LogGroupNamePrefix cannot be used together with LogGroupNamePattern or LogGroupIdentifiers',
        $metadata: {},
      });
    }
    const wanted = identifiers?.map((id) => this.nameFromIdentifier(id));
    const groups = Object.values(this.data.logGroups)
      .filter((g) => prefix === undefined || g.name.startsWith(prefix))
      .filter((g) => pattern === undefined || g.name.toLowerCase().includes(pattern.toLowerCase()))
      .filter((g) => wanted === undefined || wanted.includes(g.name))
      .filter((g) => input.logGroupClass === undefined || g.logGroupClass === input.logGroupClass)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const scope = JSON.stringify([prefix, pattern, wanted, input.logGroupClass]);
    const page = pageOf(this.world, groups, { max: input.limit, token: input.nextToken, scope }, LOG_GROUP_PAGES);
    return { logGroups: page.items.map((g) => this.describe(g)), ...(page.next ? { nextToken: page.next } : {}) };
  }

  deleteLogGroup(input: DeleteLogGroupCommandInput): Out<DeleteLogGroupCommandOutput> {
    const group = this.getGroup(input.logGroupName);
    delete this.data.logGroups[group.name];
    delete this.data.streams?.[group.name];
    return {};
  }

  // ---- Log events ------------------------------------------------------------------------------

  getLogEvents(input: GetLogEventsCommandInput): Out<GetLogEventsCommandOutput> {
    if (input.logGroupIdentifier !== undefined || input.nextToken !== undefined || input.startTime !== undefined || input.endTime !== undefined || input.unmask) {
      throw new SandboxNotModelled('the sandbox models logs:GetLogEvents by logGroupName, logStreamName, limit and startFromHead only');
    }
    const group = this.getGroup(input.logGroupName);
    const events = this.data.streams?.[group.name]?.[input.logStreamName ?? ''];
    if (!events) throw new ResourceNotFoundException({ message: 'The specified log stream does not exist.', $metadata: {} });
    const limit = input.limit ?? MAX_EVENTS;
    if (limit < 1 || limit > MAX_EVENTS) {
      throw new InvalidParameterException({ message: `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and ${MAX_EVENTS}`, $metadata: {} });
    }
    const picked = input.startFromHead ? events.slice(0, limit) : events.slice(-limit);
    const ingested = (e: LogEventRecord) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.timestamp });
    return { events: picked.map(ingested), nextForwardToken: `f/${events.length}`, nextBackwardToken: 'b/0' };
  }

  filterLogEvents(input: FilterLogEventsCommandInput): Out<FilterLogEventsCommandOutput> {
    if (input.filterPattern !== undefined || input.unmask) throw new SandboxNotModelled('the sandbox does not model logs:FilterLogEvents filterPattern or unmask');
    if ((input.logGroupName === undefined) === (input.logGroupIdentifier === undefined)) {
      throw new InvalidParameterException({ message: 'Either logGroupName or logGroupIdentifier must be specified, but not both.', $metadata: {} });
    }
    if (input.logStreamNames !== undefined && input.logStreamNamePrefix !== undefined) {
      throw new InvalidParameterException({ message: 'logStreamNames and logStreamNamePrefix cannot both be specified.', $metadata: {} });
    }
    const names = input.logStreamNames;
    if (names !== undefined && (names.length < 1 || names.length > MAX_FILTER_STREAMS)) {
      throw new InvalidParameterException({
        message: `1 validation error detected: Value '[${names.join(', ')}]' at 'logStreamNames' failed to satisfy constraint: Member must have length less than or equal to ${MAX_FILTER_STREAMS} and greater than or equal to 1`,
        $metadata: {},
      });
    }
    this.settleWriters();
    const group = this.getGroup(input.logGroupName ?? this.nameFromIdentifier(input.logGroupIdentifier ?? ''));
    const groupStreams = this.data.streams?.[group.name] ?? {};
    // A named stream that does not exist fails the call (percona/rds_exporter#81).
    if (names?.some((name) => !groupStreams[name])) throw new ResourceNotFoundException({ message: 'The specified log stream does not exist.', $metadata: {} });
    const streams = Object.entries(groupStreams)
      .filter(([name]) => (names === undefined || names.includes(name)) && (input.logStreamNamePrefix === undefined || name.startsWith(input.logStreamNamePrefix)));
    const events: FilteredLogEvent[] = streams
      .flatMap(([stream, list]) => list.map((e, i) => ({ e, i, stream })))
      .filter(({ e }) => (input.startTime === undefined || e.timestamp >= input.startTime) && (input.endTime === undefined || e.timestamp <= input.endTime))
      .sort((a, b) => a.e.timestamp - b.e.timestamp || (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : a.i - b.i))
      .map(({ e, i, stream }) => ({ logStreamName: stream, timestamp: e.timestamp, message: e.message, ingestionTime: e.timestamp, eventId: eventIdOf(group.name, stream, e.timestamp, i) }));
    const scope = JSON.stringify([group.name, names, input.logStreamNamePrefix, input.startTime, input.endTime]);
    const page = pageOf(this.world, events, { max: input.limit, token: input.nextToken, scope }, FILTER_PAGES);
    return { events: page.items, ...(page.next ? { nextToken: page.next } : {}) };
  }

  /** What a service that logs does (a CodeBuild build): append events to a group's stream, made if new. False when the group is gone. */
  appendEvents(groupName: string, streamName: string, events: readonly LogEventRecord[]): boolean {
    if (!this.data.logGroups[groupName]) return false;
    const streams = ((this.data.streams ??= {})[groupName] ??= {});
    (streams[streamName] ??= []).push(...events.map((e) => ({ ...e })));
    return true;
  }

  putRetentionPolicy(input: PutRetentionPolicyCommandInput): Out<PutRetentionPolicyCommandOutput> {
    const group = this.getGroup(input.logGroupName);
    const days = input.retentionInDays;
    if (days === undefined || !LOG_RETENTION_DAYS.includes(days)) {
      throw new InvalidParameterException({
        message: `1 validation error detected: Value '${String(days)}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${LOG_RETENTION_DAYS.join(', ')}]`,
        $metadata: {},
      });
    }
    group.retentionInDays = days;
    return {};
  }

  deleteRetentionPolicy(input: DeleteRetentionPolicyCommandInput): Out<DeleteRetentionPolicyCommandOutput> {
    const group = this.getGroup(input.logGroupName);
    delete group.retentionInDays;
    return {};
  }

  // ---- Tags ------------------------------------------------------------------------------------

  tagResource(input: TagResourceCommandInput): Out<TagResourceCommandOutput> {
    this.addTags(this.groupByArn(input.resourceArn), input.tags ?? {});
    return {};
  }

  untagResource(input: UntagResourceCommandInput): Out<UntagResourceCommandOutput> {
    const group = this.groupByArn(input.resourceArn);
    for (const key of input.tagKeys ?? []) delete group.tags[key];
    return {};
  }

  listTagsForResource(input: ListTagsForResourceCommandInput): Out<ListTagsForResourceCommandOutput> {
    return { tags: { ...this.groupByArn(input.resourceArn).tags } };
  }

  /** The deprecated name-based form of TagResource. */
  tagLogGroup(input: TagLogGroupCommandInput): Out<TagLogGroupCommandOutput> {
    this.addTags(this.getGroup(input.logGroupName), input.tags ?? {});
    return {};
  }

  untagLogGroup(input: UntagLogGroupCommandInput): Out<UntagLogGroupCommandOutput> {
    const group = this.getGroup(input.logGroupName);
    for (const key of input.tags ?? []) delete group.tags[key];
    return {};
  }

  listTagsLogGroup(input: ListTagsLogGroupCommandInput): Out<ListTagsLogGroupCommandOutput> {
    return { tags: { ...this.getGroup(input.logGroupName).tags } };
  }

  // ---- Inventory -------------------------------------------------------------------------------

  inventory(): InventoryItem[] {
    return Object.values(this.data.logGroups).map((g) => ({
      service: 'logs',
      type: 'log-group',
      id: g.name,
      tags: { ...g.tags },
      key: g.name,
    }));
  }

  // ---- Helpers ---------------------------------------------------------------------------------

  /** The ARN the tagging API takes; DescribeLogGroups' `arn` is this plus `:*`. */
  logGroupArn(name: string): string {
    return this.world.arn('logs', `log-group:${name}`);
  }

  private describe(g: LogGroupRecord): LogGroup {
    return {
      logGroupName: g.name,
      creationTime: g.creationTime,
      ...(g.retentionInDays !== undefined ? { retentionInDays: g.retentionInDays } : {}),
      metricFilterCount: 0,
      arn: `${this.logGroupArn(g.name)}:*`,
      logGroupArn: this.logGroupArn(g.name),
      storedBytes: 0,
      logGroupClass: g.logGroupClass,
      ...(g.kmsKeyId ? { kmsKeyId: g.kmsKeyId } : {}),
    };
  }

  private getGroup(name: string | undefined): LogGroupRecord {
    const group = name === undefined ? undefined : this.data.logGroups[name];
    if (!group) throw new ResourceNotFoundException({ message: 'The specified log group does not exist.', $metadata: {} });
    return group;
  }

  private groupByArn(arn: string | undefined): LogGroupRecord {
    const prefix = this.logGroupArn('');
    if (arn === undefined || !arn.startsWith(prefix) || arn.endsWith(':*') || arn.length === prefix.length) {
      throw new ValidationException({ message: 'Invalid resourceArn', $metadata: {} });
    }
    const group = this.data.logGroups[arn.slice(prefix.length)];
    if (!group) throw new ResourceNotFoundException({ message: 'The specified resource does not exist.', $metadata: {} });
    return group;
  }

  /** A logGroupIdentifiers entry: a name, or an ARN with or without `:*`. */
  private nameFromIdentifier(id: string): string {
    const prefix = this.logGroupArn('');
    if (!id.startsWith(prefix)) return id;
    const rest = id.slice(prefix.length);
    return rest.endsWith(':*') ? rest.slice(0, -2) : rest;
  }

  private addTags(group: LogGroupRecord, tags: Tags): void {
    const merged = { ...group.tags, ...tags };
    this.checkTagCount(merged);
    group.tags = merged;
  }

  private checkTagCount(tags: Tags): void {
    if (Object.keys(tags).length > MAX_TAGS) {
      throw new TooManyTagsException({ message: `A resource can have no more than ${MAX_TAGS} tags.`, $metadata: {} });
    }
  }
}

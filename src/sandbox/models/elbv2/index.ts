// Elastic Load Balancing v2 (simulated): Application Load Balancers, target groups and their
// targets, listeners, listener rules, attributes and tags.
//
// Behaviour, as AWS documents it:
// - Errors are the SDK's own exception classes (LoadBalancerNotFoundException …, whose wire codes
//   are LoadBalancerNotFound …); malformed input is `ValidationError`. A malformed ARN is a
//   ValidationError, a well-formed unknown one the type's NotFound error.
// - Tags: AddTags / RemoveTags / DescribeTags on load balancers, target groups, listeners and rules
//   (≤ 20 ARNs per DescribeTags, ≤ 50 tags per resource → TooManyTags, a key twice →
//   DuplicateTagKeys).
// - inventory(): load-balancer (key: name), target-group (name), listener (`<lb name>:<port>`),
//   rule (`<lb name>:<port>:<priority>`; default rules are not listed).
//
// The model is one class built in layers, one file per resource family (records.ts: what it
// stores; model.ts: lookups every family shares; load-balancers.ts, target-groups.ts,
// listeners.ts), each extending the one before; this one adds tags and the inventory.
import {
  DuplicateTagKeysException,
  type AddTagsCommandInput,
  type AddTagsCommandOutput,
  type DescribeTagsCommandInput,
  type DescribeTagsCommandOutput,
  type RemoveTagsCommandInput,
  type RemoveTagsCommandOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { type InventoryItem, type Out } from '../../kernel/service';
import { tagsToList } from '../../kernel/tags';
import { type Elbv2Data, MAX_DESCRIBE_TAGS_ARNS } from './records';
import { elbError, validationError } from './checks';
import { Elbv2Listeners } from './listeners';

export type { Elbv2Data, Elbv2Peers } from './records';

export class Elbv2Sandbox extends Elbv2Listeners {
  readonly service = 'elbv2' as const;

  static empty(): Elbv2Data {
    return { loadBalancers: {}, targetGroups: {}, listeners: {}, rules: {} };
  }

  // ==== Tags ======================================================================================

  addTags(input: AddTagsCommandInput): Out<AddTagsCommandOutput> {
    this.settle();
    const keys = (input.Tags ?? []).map((t) => t.Key ?? '');
    const twice = keys.find((key, i) => keys.indexOf(key) !== i);
    if (twice !== undefined) throw elbError(DuplicateTagKeysException, `Tag key '${twice}' was specified more than once`);
    // Check every resource before changing any, so that a refusal changes nothing.
    const updates = (input.ResourceArns ?? []).map((arn) => {
      const resource = this.taggable(arn);
      return { resource, tags: this.checkedTags(resource.tags, input.Tags) };
    });
    for (const { resource, tags } of updates) resource.tags = tags;
    return {};
  }

  removeTags(input: RemoveTagsCommandInput): Out<RemoveTagsCommandOutput> {
    this.settle();
    const resources = (input.ResourceArns ?? []).map((arn) => this.taggable(arn));
    for (const resource of resources) for (const key of input.TagKeys ?? []) delete resource.tags[key];
    return {};
  }

  describeTags(input: DescribeTagsCommandInput): Out<DescribeTagsCommandOutput> {
    this.settle();
    const arns = input.ResourceArns ?? [];
    if (arns.length === 0) throw validationError('At least one resource ARN must be specified');
    if (arns.length > MAX_DESCRIBE_TAGS_ARNS) {
      throw validationError(`1 validation error detected: Value at 'resourceArns' failed to satisfy constraint: Member must have length less than or equal to ${MAX_DESCRIBE_TAGS_ARNS}`);
    }
    return { TagDescriptions: arns.map((arn) => ({ ResourceArn: arn, Tags: tagsToList(this.taggable(arn).tags) })) };
  }

  // ==== Inventory =================================================================================

  inventory(): InventoryItem[] {
    const items: InventoryItem[] = [];
    const live = Object.values(this.data.loadBalancers).filter((lb) => lb.deletedAt === undefined);
    const lbName = (arn: string): string => this.data.loadBalancers[arn]?.name ?? '?';
    for (const lb of live) items.push({ service: 'elbv2', type: 'load-balancer', id: lb.arn, tags: { ...lb.tags }, key: lb.name });
    for (const tg of Object.values(this.data.targetGroups)) {
      items.push({ service: 'elbv2', type: 'target-group', id: tg.arn, tags: { ...tg.tags }, key: tg.name });
    }
    for (const listener of Object.values(this.data.listeners)) {
      const key = `${lbName(listener.loadBalancerArn)}:${listener.port}`;
      items.push({ service: 'elbv2', type: 'listener', id: listener.arn, tags: { ...listener.tags }, key });
    }
    for (const rule of Object.values(this.data.rules)) {
      const listener = this.data.listeners[rule.listenerArn];
      if (rule.priority === undefined || !listener) continue;
      const key = `${lbName(listener.loadBalancerArn)}:${listener.port}:${rule.priority}`;
      items.push({ service: 'elbv2', type: 'rule', id: rule.arn, tags: { ...rule.tags }, key });
    }
    return items;
  }
}

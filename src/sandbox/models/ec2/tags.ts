// EC2's tags across every resource family (simulated): CreateTags, DeleteTags, DescribeTags, and
// the record an ID's prefix leads to.
import type * as EC2 from '@aws-sdk/client-ec2';
import { awsError } from '../../kernel/errors';
import type { Out } from '../../kernel/service';
import { type Tags, tagsFromList } from '../../kernel/tags';
import { checkedTags, Ec2Family, getRecord, required } from './family';
import { applyFilters, type FilterTable } from './filters';
import { describePage } from './pages';
import { TAGGABLE_PREFIXES, type Kind } from './ids';

export class Ec2Tags extends Ec2Family {
  createTags(input: EC2.CreateTagsCommandInput): Out<EC2.CreateTagsCommandOutput> {
    this.settle();
    const tags = checkedTags(tagsFromList(required(input.Tags, 'tagSet')));
    const targets = required(input.Resources, 'resourceIdSet').map((id) => this.taggable(id));
    for (const target of targets) target.record.tags = checkedTags({ ...target.record.tags, ...tags });
    return {};
  }

  deleteTags(input: EC2.DeleteTagsCommandInput): Out<EC2.DeleteTagsCommandOutput> {
    this.settle();
    const targets = required(input.Resources, 'resourceIdSet').map((id) => this.taggable(id));
    for (const { record } of targets) {
      if (!input.Tags) record.tags = {};
      for (const tag of input.Tags ?? []) {
        // A tag given with a value is deleted only if the value matches (an empty string included).
        if (tag.Key !== undefined && (tag.Value === undefined || record.tags[tag.Key] === tag.Value)) delete record.tags[tag.Key];
      }
    }
    return {};
  }

  describeTags(input: EC2.DescribeTagsCommandInput): Out<EC2.DescribeTagsCommandOutput> {
    this.settle();
    // One entry per tag; `tags` stays empty because DescribeTags filters by key/value, not tag:….
    type Entry = { tags: Tags; resourceId: string; resourceType: string; key: string; value: string };
    const entries: Entry[] = [];
    for (const { kind, type } of Object.values(TAGGABLE_PREFIXES)) {
      for (const [resourceId, record] of Object.entries(this.collection(kind))) {
        for (const [key, value] of Object.entries(record.tags)) {
          entries.push({ tags: {}, resourceId, resourceType: type, key, value });
        }
      }
    }
    const table: FilterTable<Entry> = {
      'resource-id': (e) => e.resourceId,
      'resource-type': (e) => e.resourceType,
      key: (e) => e.key,
      value: (e) => e.value,
    };
    const page = describePage(this.world, entries, input, { operation: 'DescribeTags', max: 1000 }, (candidates) => applyFilters(candidates, input.Filters, table));
    return {
      ...page.token,
      Tags: page.items.map((e) => ({
        ResourceId: e.resourceId,
        ResourceType: e.resourceType as EC2.ResourceType,
        Key: e.key,
        Value: e.value,
      })),
    };
  }

  private collection(kind: Kind): Record<string, { tags: Tags }> {
    const d = this.data;
    const byKind: Record<Kind, Record<string, { tags: Tags }>> = {
      vpc: d.vpcs,
      subnet: d.subnets,
      internetGateway: d.internetGateways,
      routeTable: d.routeTables,
      securityGroup: d.securityGroups,
      image: d.images,
      instance: d.instances,
      networkInterface: d.networkInterfaces,
      address: d.addresses,
      vpcEndpoint: d.vpcEndpoints,
      natGateway: d.natGateways,
    };
    return byKind[kind];
  }

  private taggable(id: string): { record: { tags: Tags } } {
    const prefix = id.slice(0, id.lastIndexOf('-'));
    const entry = TAGGABLE_PREFIXES[prefix];
    if (!entry) throw awsError('InvalidID', `The ID '${id}' is not valid`);
    return { record: getRecord(this.collection(entry.kind), id, entry.kind) };
  }
}

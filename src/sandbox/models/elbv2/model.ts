// ELBv2 (simulated): the base of the model. The model is one class built in layers, one file per
// resource family, each extending the one before (model → load balancers → target groups →
// listeners and rules → index: tags and inventory), so the dispatcher sees one object whose
// methods are the API. What several families read (lookups by ARN, who forwards to a target
// group, the lazy deletion of load balancers) lives here, below them all.
import {
  ListenerNotFoundException,
  LoadBalancerNotFoundException,
  RuleNotFoundException,
  TargetGroupNotFoundException,
  TooManyTagsException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { SandboxService } from '../../kernel/service';
import { type Tags, tagsFromList } from '../../kernel/tags';
import type { SandboxWorld } from '../../kernel/world';
import {
  type LoadBalancerRecord,
  type TargetGroupRecord,
  type ListenerRecord,
  type RuleRecord,
  type Elbv2Data,
  type Elbv2Peers,
  MAX_TAGS,
} from './records';
import { elbError, validationError, checkArn, arnKind, forwardedTargetGroups, elbPages } from './checks';
import { pageOf } from '../../kernel/pages';

export abstract class Elbv2Model extends SandboxService<Elbv2Data> {
  constructor(world: SandboxWorld, data: Elbv2Data, protected readonly peers: Elbv2Peers) {
    super(world, data);
  }

  /**
   * One page of a describe call's answer, in the order AWS lists it, and the marker to the next
   * (absent on the last). `scope` is what else the call was asked: a marker is good only with it.
   */
  protected page<T>(operation: string, items: readonly T[], input: { Marker?: string; PageSize?: number }, scope: unknown): { items: T[]; NextMarker?: string } {
    const page = pageOf(this.world, items, { max: input.PageSize, token: input.Marker, scope: JSON.stringify(scope ?? null) }, elbPages(operation));
    return { items: page.items, ...(page.next !== undefined ? { NextMarker: page.next } : {}) };
  }

  // ==== Lookups ===================================================================================

  protected getLoadBalancer(arn: string | undefined): LoadBalancerRecord {
    checkArn(arn, 'loadbalancer');
    const lb = this.data.loadBalancers[arn ?? ''];
    if (!lb || lb.deletedAt !== undefined) throw elbError(LoadBalancerNotFoundException, `Load balancer '${arn ?? ''}' not found`);
    return lb;
  }

  protected getTargetGroup(arn: string | undefined): TargetGroupRecord {
    checkArn(arn, 'targetgroup');
    const tg = this.data.targetGroups[arn ?? ''];
    if (!tg) throw elbError(TargetGroupNotFoundException, `Target group '${arn ?? ''}' not found`);
    return tg;
  }

  protected getListener(arn: string | undefined): ListenerRecord {
    checkArn(arn, 'listener');
    const listener = this.data.listeners[arn ?? ''];
    if (!listener) throw elbError(ListenerNotFoundException, `Listener '${arn ?? ''}' not found`);
    return listener;
  }

  protected getRule(arn: string | undefined): RuleRecord {
    checkArn(arn, 'listener-rule');
    const rule = this.data.rules[arn ?? ''];
    if (!rule) throw elbError(RuleNotFoundException, `One or more rules not found`);
    return rule;
  }

  /** Whatever AddTags / RemoveTags / DescribeTags address by ARN. */
  protected taggable(arn: string): { tags: Tags } {
    const kind = arnKind(arn);
    if (kind === 'loadbalancer') return this.getLoadBalancer(arn);
    if (kind === 'targetgroup') return this.getTargetGroup(arn);
    if (kind === 'listener') return this.getListener(arn);
    if (kind === 'listener-rule') return this.getRule(arn);
    throw validationError(`'${arn}' is not a valid resource ARN`);
  }

  protected listenersOf(loadBalancerArn: string): ListenerRecord[] {
    return Object.values(this.data.listeners).filter((l) => l.loadBalancerArn === loadBalancerArn);
  }

  protected rulesOf(listenerArn: string): RuleRecord[] {
    return Object.values(this.data.rules).filter((r) => r.listenerArn === listenerArn);
  }

  /** The load balancers whose listeners' default actions or rules forward to the target group. */
  protected loadBalancersUsing(targetGroupArn: string): string[] {
    const arns = new Set<string>();
    for (const listener of Object.values(this.data.listeners)) {
      const actions = [listener.defaultActions, ...this.rulesOf(listener.arn).map((r) => r.actions)].flat();
      if (forwardedTargetGroups(actions).includes(targetGroupArn)) arns.add(listener.loadBalancerArn);
    }
    return [...arns];
  }

  protected isForwardedTo(targetGroupArn: string): boolean {
    return this.loadBalancersUsing(targetGroupArn).length > 0;
  }

  // ==== Effects and checks ========================================================================

  /** Lazy transitions that need no read to happen: a deleted load balancer disappears when due. */
  protected settle(): void {
    for (const lb of Object.values(this.data.loadBalancers)) {
      if (lb.deletedAt !== undefined && this.world.isPast(lb.deletedAt)) delete this.data.loadBalancers[lb.arn];
    }
  }

  protected removeListener(listener: ListenerRecord): void {
    for (const c of listener.certificates) this.peers.acm.release(c.CertificateArn ?? '', listener.arn);
    for (const rule of this.rulesOf(listener.arn)) delete this.data.rules[rule.arn];
    delete this.data.listeners[listener.arn];
  }

  /** Tags merged with `[{ Key, Value }]`, at most 50. */
  protected checkedTags(existing: Tags, list: ReadonlyArray<{ Key?: string; Value?: string }> | undefined): Tags {
    for (const tag of list ?? []) if (!tag.Key) throw validationError('A tag key must be specified');
    const merged = { ...existing, ...tagsFromList(list) };
    if (Object.keys(merged).length > MAX_TAGS) throw elbError(TooManyTagsException, `A resource can have no more than ${MAX_TAGS} tags`);
    return merged;
  }

  /** A random-looking 16-hex-digit ID, as ELB puts at the end of its ARNs. */
  protected hexId(): string {
    const id = this.world.newId('x', 16);
    return id.slice(id.indexOf('-') + 1);
  }

  /** A simulated duration in sim-seconds: as given in timed mode, 0 in instant mode. */
  protected timed(seconds: number): number {
    return this.world.msPerSimSecond > 0 ? seconds : 0;
  }
}

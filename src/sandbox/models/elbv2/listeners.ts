// ELBv2 (simulated): listeners, their default actions and their rules.
//
// - CreateListener: HTTP or HTTPS (HTTPS needs Certificates; SslPolicy defaults to
//   ELBSecurityPolicy-2016-08), port 1–65535. Actions: forward (TargetGroupArn or ForwardConfig;
//   stored as AWS returns them, with both forms for a single group), redirect (defaults #{…}
//   filled in), fixed-response; other action types fail as not modelled. An existing listener on
//   the same port with the same settings is returned; otherwise DuplicateListener.
//   DescribeListeners (LoadBalancerArn or ListenerArns; ListenerNotFound), ModifyListener (port,
//   protocol, certificates, default actions), DeleteListener (its rules go with it).
// - Rules: CreateRule (priority 1–50000, unique per listener → PriorityInUse; path-pattern and
//   host-header conditions by Values or their *Config, returned in both forms; at most 5 condition
//   values), DescribeRules (ListenerArn or RuleArns; includes the default rule: IsDefault,
//   Priority "default", the listener's default actions), ModifyRule, SetRulePriorities, DeleteRule
//   (RuleNotFound). The default rule cannot be modified, re-prioritised or deleted
//   (OperationNotPermitted; change it through ModifyListener).
import {
  CertificateNotFoundException,
  DuplicateListenerException,
  OperationNotPermittedException,
  PriorityInUseException,
  TargetGroupAssociationLimitException,
  type Action,
  type Certificate,
  type CreateListenerCommandInput,
  type CreateListenerCommandOutput,
  type CreateRuleCommandInput,
  type CreateRuleCommandOutput,
  type DeleteListenerCommandInput,
  type DeleteListenerCommandOutput,
  type DeleteRuleCommandInput,
  type DeleteRuleCommandOutput,
  type DescribeListenersCommandInput,
  type DescribeListenersCommandOutput,
  type DescribeRulesCommandInput,
  type DescribeRulesCommandOutput,
  type Listener,
  type ModifyListenerCommandInput,
  type ModifyListenerCommandOutput,
  type ModifyRuleCommandInput,
  type ModifyRuleCommandOutput,
  type ProtocolEnum,
  type Rule,
  type RuleCondition,
  type SetRulePrioritiesCommandInput,
  type SetRulePrioritiesCommandOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsError } from '../../kernel/errors';
import { type Out } from '../../kernel/service';
import { type LoadBalancerRecord, type ListenerRecord, type RuleRecord, ARN_SERVICE } from './records';
import { elbError, validationError, checkPort } from './checks';
import { Elbv2TargetGroups } from './target-groups';

const MAX_CONDITION_VALUES = 5;
const DEFAULT_SSL_POLICY = 'ELBSecurityPolicy-2016-08';

export abstract class Elbv2Listeners extends Elbv2TargetGroups {
  // ==== Listeners =================================================================================

  createListener(input: CreateListenerCommandInput): Out<CreateListenerCommandOutput> {
    this.settle();
    const lb = this.getLoadBalancer(input.LoadBalancerArn);
    const port = input.Port ?? 0;
    if (input.Port === undefined) throw validationError('A listener port must be specified');
    checkPort(port);
    const protocol = checkListenerProtocol(input.Protocol);
    const certificates = this.issuedCertificates(checkCertificates(protocol, input.Certificates));
    const sslPolicy = protocol === 'HTTPS' ? (input.SslPolicy ?? DEFAULT_SSL_POLICY) : undefined;
    const defaultActions = this.normalizeActions(input.DefaultActions, lb);

    const existing = this.listenersOf(lb.arn).find((l) => l.port === port);
    if (existing) {
      const same =
        existing.protocol === protocol &&
        existing.sslPolicy === sslPolicy &&
        JSON.stringify(existing.certificates) === JSON.stringify(certificates) &&
        JSON.stringify(existing.defaultActions) === JSON.stringify(defaultActions);
      if (!same) throw elbError(DuplicateListenerException, 'A listener already exists on this port for this load balancer');
      return { Listeners: [this.describeListener(existing)] };
    }

    const id = this.hexId();
    const suffix = lb.arn.slice(lb.arn.indexOf(':loadbalancer/app/') + ':loadbalancer/app/'.length);
    const arn = this.world.arn(ARN_SERVICE, `listener/app/${suffix}/${id}`);
    const listener: ListenerRecord = {
      arn,
      loadBalancerArn: lb.arn,
      port,
      protocol,
      certificates,
      ...(sslPolicy ? { sslPolicy } : {}),
      defaultActions,
      defaultRuleArn: this.world.arn(ARN_SERVICE, `listener-rule/app/${suffix}/${id}/${this.hexId()}`),
      tags: this.checkedTags({}, input.Tags),
    };
    this.data.listeners[arn] = listener;
    for (const c of certificates) this.peers.acm.use(c.CertificateArn!, arn);
    this.data.rules[listener.defaultRuleArn] = { arn: listener.defaultRuleArn, listenerArn: arn, conditions: [], actions: [], tags: {} };
    return { Listeners: [this.describeListener(listener)] };
  }

  describeListeners(input: DescribeListenersCommandInput): Out<DescribeListenersCommandOutput> {
    this.settle();
    if (input.LoadBalancerArn && input.ListenerArns?.length) {
      throw validationError('Listener ARNs and a load balancer ARN cannot be specified at the same time');
    }
    let found: ListenerRecord[];
    if (input.LoadBalancerArn) {
      found = this.listenersOf(this.getLoadBalancer(input.LoadBalancerArn).arn);
    } else {
      if (!input.ListenerArns?.length) throw validationError('You must specify either listener ARNs or a load balancer ARN');
      found = input.ListenerArns.map((arn) => this.getListener(arn));
    }
    const { items, NextMarker } = this.page('DescribeListeners', found, input, [input.LoadBalancerArn, input.ListenerArns]);
    return { Listeners: items.map((l) => this.describeListener(l)), ...(NextMarker ? { NextMarker } : {}) };
  }

  modifyListener(input: ModifyListenerCommandInput): Out<ModifyListenerCommandOutput> {
    this.settle();
    const listener = this.getListener(input.ListenerArn);
    const lb = this.getLoadBalancer(listener.loadBalancerArn);
    const port = input.Port ?? listener.port;
    checkPort(port);
    if (port !== listener.port && this.listenersOf(lb.arn).some((l) => l.port === port)) {
      throw elbError(DuplicateListenerException, 'A listener already exists on this port for this load balancer');
    }
    const protocol = input.Protocol ? checkListenerProtocol(input.Protocol) : listener.protocol;
    const certificates = this.issuedCertificates(checkCertificates(protocol, input.Certificates ?? (protocol === 'HTTPS' ? listener.certificates : [])));
    const defaultActions = input.DefaultActions ? this.normalizeActions(input.DefaultActions, lb) : listener.defaultActions;
    listener.port = port;
    listener.protocol = protocol;
    for (const c of listener.certificates) this.peers.acm.release(c.CertificateArn!, listener.arn);
    listener.certificates = certificates;
    for (const c of certificates) this.peers.acm.use(c.CertificateArn!, listener.arn);
    if (protocol === 'HTTPS') listener.sslPolicy = input.SslPolicy ?? listener.sslPolicy ?? DEFAULT_SSL_POLICY;
    else delete listener.sslPolicy;
    listener.defaultActions = defaultActions;
    return { Listeners: [this.describeListener(listener)] };
  }

  /**
   * An ACM certificate must be ISSUED for a listener to take it: AWS answers CertificateNotFound
   * for one still pending validation (aws/aws-cdk#6081), as for one that does not exist.
   */
  private issuedCertificates(certificates: Certificate[]): Certificate[] {
    for (const c of certificates) {
      if (c.CertificateArn!.includes(':acm:') && !this.peers.acm.isIssued(c.CertificateArn!)) {
        throw elbError(CertificateNotFoundException, `Certificate '${c.CertificateArn!}' not found`);
      }
    }
    return certificates;
  }

  deleteListener(input: DeleteListenerCommandInput): Out<DeleteListenerCommandOutput> {
    this.settle();
    this.removeListener(this.getListener(input.ListenerArn));
    return {};
  }

  // ==== Rules =====================================================================================

  createRule(input: CreateRuleCommandInput): Out<CreateRuleCommandOutput> {
    this.settle();
    const listener = this.getListener(input.ListenerArn);
    const lb = this.getLoadBalancer(listener.loadBalancerArn);
    const priority = checkPriority(input.Priority);
    const conditions = normalizeConditions(input.Conditions);
    const actions = this.normalizeActions(input.Actions, lb);
    if (this.rulesOf(listener.arn).some((r) => r.priority === priority)) {
      throw elbError(PriorityInUseException, `Priority '${priority}' is currently in use`);
    }
    const listenerPath = listener.arn.slice(listener.arn.indexOf(':listener/app/') + ':listener/app/'.length);
    const arn = this.world.arn(ARN_SERVICE, `listener-rule/app/${listenerPath}/${this.hexId()}`);
    const rule: RuleRecord = { arn, listenerArn: listener.arn, priority, conditions, actions, tags: this.checkedTags({}, input.Tags) };
    this.data.rules[arn] = rule;
    return { Rules: [this.describeRule(rule)] };
  }

  describeRules(input: DescribeRulesCommandInput): Out<DescribeRulesCommandOutput> {
    this.settle();
    if (input.ListenerArn && input.RuleArns?.length) {
      throw validationError('Rule ARNs and a listener ARN cannot be specified at the same time');
    }
    let found: RuleRecord[];
    if (input.ListenerArn) {
      const listener = this.getListener(input.ListenerArn);
      found = this.rulesOf(listener.arn).sort((a, b) => (a.priority ?? Infinity) - (b.priority ?? Infinity));
    } else {
      if (!input.RuleArns?.length) throw validationError('You must specify either listener ARN or rule ARNs');
      found = input.RuleArns.map((arn) => this.getRule(arn));
    }
    const { items, NextMarker } = this.page('DescribeRules', found, input, [input.ListenerArn, input.RuleArns]);
    return { Rules: items.map((r) => this.describeRule(r)), ...(NextMarker ? { NextMarker } : {}) };
  }

  modifyRule(input: ModifyRuleCommandInput): Out<ModifyRuleCommandOutput> {
    this.settle();
    const rule = this.getRule(input.RuleArn);
    if (rule.priority === undefined) {
      throw elbError(OperationNotPermittedException, 'The default rule cannot be modified; modify the listener\'s default actions instead');
    }
    const listener = this.getListener(rule.listenerArn);
    const lb = this.getLoadBalancer(listener.loadBalancerArn);
    const conditions = input.Conditions ? normalizeConditions(input.Conditions) : rule.conditions;
    const actions = input.Actions ? this.normalizeActions(input.Actions, lb) : rule.actions;
    rule.conditions = conditions;
    rule.actions = actions;
    return { Rules: [this.describeRule(rule)] };
  }

  setRulePriorities(input: SetRulePrioritiesCommandInput): Out<SetRulePrioritiesCommandOutput> {
    this.settle();
    const changes = (input.RulePriorities ?? []).map((pair) => {
      const rule = this.getRule(pair.RuleArn);
      if (rule.priority === undefined) throw elbError(OperationNotPermittedException, 'The default rule\'s priority cannot be changed');
      return { rule, priority: checkPriority(pair.Priority) };
    });
    for (const { rule, priority } of changes) {
      const clash = this.rulesOf(rule.listenerArn).find(
        (other) => other.priority === priority && !changes.some((c) => c.rule === other),
      );
      const twice = changes.filter((c) => c.rule.listenerArn === rule.listenerArn && c.priority === priority).length > 1;
      if (clash || twice) throw elbError(PriorityInUseException, `Priority '${priority}' is currently in use`);
    }
    for (const { rule, priority } of changes) rule.priority = priority;
    return { Rules: changes.map(({ rule }) => this.describeRule(rule)) };
  }

  deleteRule(input: DeleteRuleCommandInput): Out<DeleteRuleCommandOutput> {
    this.settle();
    const rule = this.getRule(input.RuleArn);
    if (rule.priority === undefined) throw elbError(OperationNotPermittedException, 'The default rule cannot be deleted');
    delete this.data.rules[rule.arn];
    return {};
  }

  private describeListener(listener: ListenerRecord): Listener {
    return {
      ListenerArn: listener.arn,
      LoadBalancerArn: listener.loadBalancerArn,
      Port: listener.port,
      Protocol: listener.protocol,
      ...(listener.certificates.length > 0 ? { Certificates: structuredClone(listener.certificates) } : {}),
      ...(listener.sslPolicy ? { SslPolicy: listener.sslPolicy } : {}),
      DefaultActions: structuredClone(listener.defaultActions),
    };
  }

  private describeRule(rule: RuleRecord): Rule {
    if (rule.priority === undefined) {
      const listener = this.data.listeners[rule.listenerArn];
      return { RuleArn: rule.arn, Priority: 'default', Conditions: [], Actions: structuredClone(listener?.defaultActions ?? []), IsDefault: true };
    }
    return {
      RuleArn: rule.arn,
      Priority: String(rule.priority),
      Conditions: structuredClone(rule.conditions),
      Actions: structuredClone(rule.actions),
      IsDefault: false,
    };
  }

  /**
   * Actions as AWS stores and returns them. Forward actions name existing target groups, which may
   * serve no other load balancer.
   */
  private normalizeActions(actions: readonly Action[] | undefined, lb: LoadBalancerRecord): Action[] {
    if (!actions?.length) throw validationError('At least one action must be specified');
    return actions.map((action): Action => {
      const order = action.Order !== undefined ? { Order: action.Order } : {};
      switch (action.Type) {
        case 'forward': {
          const configured = action.ForwardConfig?.TargetGroups;
          if (action.TargetGroupArn && configured && (configured.length !== 1 || configured[0]?.TargetGroupArn !== action.TargetGroupArn)) {
            throw validationError('You cannot specify both a target group ARN and a forward config with different target groups');
          }
          const groups = configured?.length
            ? configured.map((t) => ({ TargetGroupArn: t.TargetGroupArn ?? '', Weight: t.Weight ?? 1 }))
            : action.TargetGroupArn
              ? [{ TargetGroupArn: action.TargetGroupArn, Weight: 1 }]
              : [];
          if (groups.length === 0) throw validationError('A target group ARN must be specified for a forward action');
          for (const { TargetGroupArn } of groups) {
            const tg = this.getTargetGroup(TargetGroupArn);
            const others = this.loadBalancersUsing(tg.arn).filter((arn) => arn !== lb.arn);
            if (others.length > 0) {
              throw elbError(TargetGroupAssociationLimitException, `The following target groups cannot be associated with more than one load balancer: ${tg.arn}`);
            }
            if (tg.vpcId !== lb.vpcId) {
              throw validationError(`The target group '${tg.arn}' is not in the load balancer's VPC '${lb.vpcId}'`);
            }
          }
          const stickiness = action.ForwardConfig?.TargetGroupStickinessConfig;
          return {
            Type: 'forward',
            ...(groups.length === 1 ? { TargetGroupArn: groups[0]?.TargetGroupArn } : {}),
            ...order,
            ForwardConfig: {
              TargetGroups: groups,
              TargetGroupStickinessConfig: {
                Enabled: stickiness?.Enabled ?? false,
                ...(stickiness?.DurationSeconds !== undefined ? { DurationSeconds: stickiness.DurationSeconds } : {}),
              },
            },
          };
        }
        case 'redirect': {
          const c = action.RedirectConfig;
          if (c?.StatusCode !== 'HTTP_301' && c?.StatusCode !== 'HTTP_302') {
            throw validationError('A redirect action needs a RedirectConfig with StatusCode HTTP_301 or HTTP_302');
          }
          return {
            Type: 'redirect',
            ...order,
            RedirectConfig: {
              Protocol: c.Protocol ?? '#{protocol}',
              Port: c.Port ?? '#{port}',
              Host: c.Host ?? '#{host}',
              Path: c.Path ?? '/#{path}',
              Query: c.Query ?? '#{query}',
              StatusCode: c.StatusCode,
            },
          };
        }
        case 'fixed-response': {
          const c = action.FixedResponseConfig;
          if (!c?.StatusCode || !/^[245]\d\d$/.test(c.StatusCode)) {
            throw validationError('A fixed-response action needs a FixedResponseConfig with a 2XX, 4XX or 5XX StatusCode');
          }
          return {
            Type: 'fixed-response',
            ...order,
            FixedResponseConfig: {
              StatusCode: c.StatusCode,
              ...(c.ContentType !== undefined ? { ContentType: c.ContentType } : {}),
              ...(c.MessageBody !== undefined ? { MessageBody: c.MessageBody } : {}),
            },
          };
        }
        default:
          throw awsError('SandboxNotModelled', `the sandbox does not model '${String(action.Type)}' actions`);
      }
    });
  }
}

// ---- Pure helpers --------------------------------------------------------------------------------

function checkPriority(priority: number | undefined): number {
  if (priority === undefined || !Number.isInteger(priority) || priority < 1 || priority > 50000) {
    throw validationError(`Priority '${String(priority)}' must be between 1 and 50000`);
  }
  return priority;
}

function checkListenerProtocol(protocol: ProtocolEnum | undefined): ProtocolEnum {
  if (!protocol) throw validationError('A listener protocol must be specified');
  if (protocol !== 'HTTP' && protocol !== 'HTTPS') {
    throw validationError(`Listener protocol '${protocol}' must be one of 'HTTPS, HTTP'`);
  }
  return protocol;
}

function checkCertificates(protocol: ProtocolEnum, certificates: readonly Certificate[] | undefined): Certificate[] {
  if (protocol !== 'HTTPS') return [];
  if (!certificates?.length) throw validationError('A certificate must be specified for HTTPS listeners');
  for (const c of certificates) {
    if (!c.CertificateArn?.startsWith('arn:')) throw elbError(CertificateNotFoundException, `Certificate '${c.CertificateArn ?? ''}' not found`);
  }
  return certificates.map((c) => ({ CertificateArn: c.CertificateArn }));
}

/** Conditions as AWS returns them: path-pattern and host-header carry Values and their *Config. */
function normalizeConditions(conditions: readonly RuleCondition[] | undefined): RuleCondition[] {
  if (!conditions?.length) throw validationError('At least one condition must be specified');
  let valueCount = 0;
  const normalized = conditions.map((c): RuleCondition => {
    const field = c.Field;
    if (field === 'path-pattern' || field === 'host-header') {
      const config = field === 'path-pattern' ? c.PathPatternConfig : c.HostHeaderConfig;
      if (c.Values?.length && config?.Values?.length) {
        throw validationError(`You cannot specify both Values and ${field === 'path-pattern' ? 'PathPatternConfig' : 'HostHeaderConfig'}`);
      }
      const values = config?.Values ?? c.Values ?? [];
      if (values.length === 0) throw validationError(`A '${field}' condition must have at least one value`);
      if (values.some((v) => v.length === 0 || v.length > 128)) throw validationError(`'${field}' values must be 1 to 128 characters long`);
      valueCount += values.length;
      return field === 'path-pattern'
        ? { Field: field, Values: [...values], PathPatternConfig: { Values: [...values] } }
        : { Field: field, Values: [...values], HostHeaderConfig: { Values: [...values] } };
    }
    if (field === 'http-header' || field === 'http-request-method' || field === 'query-string' || field === 'source-ip') {
      valueCount += 1;
      return structuredClone(c);
    }
    throw validationError(
      `Condition field '${String(field)}' must be one of '[http-header, http-request-method, host-header, path-pattern, query-string, source-ip]'`,
    );
  });
  if (valueCount > MAX_CONDITION_VALUES) throw validationError(`A rule can only have '${MAX_CONDITION_VALUES}' condition values`);
  return normalized;
}

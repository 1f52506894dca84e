// The HTTP listener (and HTTPS with a certificate: HTTP then redirects), and with blue/green a test
// listener per environment.
import {
  CreateListenerCommand,
  DeleteListenerCommand,
  ModifyListenerCommand,
  type Action,
  type Listener,
  type LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { testPort, type Config } from '../../src/config';
import { ensure, ignoringGone, remove, type Ensured } from '../../src/reconcile';
import { isKnown, type StepContext } from '../../src/step';
import { describeListenersOf, foreignOnLoadBalancer, isGone, isOurs, notOurs } from '../lib/elbv2';
import { isBlueGreen, KEYS, onStackLoadBalancer, type ListenerKind } from './names';
import type { Routes } from './routes';
import {
  createListenerInput,
  listenerDrift,
  modifyListenerInput,
  productionListeners,
  REDIRECT_TO_HTTPS,
  testListener,
  type ListenerSettings,
} from './listener-settings';

export { SSL_POLICY } from './listener-settings';

interface ListenerSpec extends ListenerSettings {
  /** Its default actions, given the ones it has now (undefined: a new listener). */
  actions(current: readonly Action[] | undefined): Action[];
  /** The IDs it is built from: in a plan, an unknown one means "would create". */
  needs: Array<string | undefined>;
  /** The certificate an HTTPS listener takes (the config's, or the domain's issued one). */
  tls: Pick<Config, 'alb'>;
}

/** The load balancer's listeners; one just created has none: no need to ask. */
export async function listenersOf(ctx: StepContext, lb: Ensured<LoadBalancer>): Promise<Listener[]> {
  if (!isKnown(lb.id) || lb.outcome === 'created') return [];
  return (await describeListenersOf(ctx, lb.id)) ?? [];
}

/**
 * The HTTP listener, and the HTTPS one when a certificate is set; returns the one that forwards
 * (and carries the rules).
 */
export async function ensureListeners(ctx: StepContext, lb: Ensured<LoadBalancer>, existing: Listener[], routes: Routes, certificateArn: string | null): Promise<Ensured<Listener>> {
  const tls = { alb: { certificateArn } };
  const defaultEnv = ctx.config.environments.find((e) => e.path === undefined && e.host === undefined)!;
  const forward = {
    actions: (current: readonly Action[] | undefined) => routes.production(defaultEnv.name, current),
    needs: [lb.id, routes.pairs.get(defaultEnv.name)!.blue],
  };
  const { forwarding, redirecting } = productionListeners(ctx.config);
  await routes.prepare(defaultEnv.name, existingListener(ctx, existing, forwarding)?.DefaultActions);
  // HTTPS first, so that port 80 redirects only once 443 answers.
  const forwarded = await ensureListener(ctx, lb.id, existing, { ...forwarding, ...forward, tls });
  if (redirecting) await ensureListener(ctx, lb.id, existing, { ...redirecting, actions: () => REDIRECT_TO_HTTPS, needs: [lb.id], tls });
  return forwarded;
}

/** Blue/green: a test listener per environment, on its own port, forwarding to a group of its pair. */
export async function ensureTestListeners(ctx: StepContext, lb: Ensured<LoadBalancer>, existing: Listener[], routes: Routes): Promise<void> {
  if (!isBlueGreen(ctx)) return;
  for (const env of ctx.config.environments) {
    await routes.prepare(env.name, findTestListener(ctx, existing, env.name)?.DefaultActions);
    await ensureListener(ctx, lb.id, existing, {
      ...testListener(ctx.config, env.name),
      actions: (current) => routes.test(env.name, current),
      needs: [lb.id, routes.pairs.get(env.name)!.blue],
      tls: { alb: { certificateArn: null } },
    });
  }
}

/** The listener `ensureListener` will find for this key and port: the recorded one, else the one on the port. */
function existingListener(ctx: StepContext, existing: readonly Listener[], spec: { key: string; port: number }): Listener | undefined {
  const arn = ctx.state.get(spec.key)?.id;
  return existing.find((l) => l.ListenerArn === arn) ?? existing.find((l) => l.Port === spec.port);
}

export function findTestListener(ctx: StepContext, existing: readonly Listener[], env: string): Listener | undefined {
  const arn = ctx.state.get(KEYS.testListener(env))?.id;
  return existing.find((l) => l.ListenerArn === arn) ?? existing.find((l) => l.Port === testPort(ctx.config, env));
}

async function ensureListener(ctx: StepContext, loadBalancerArn: string, existing: Listener[], spec: ListenerSpec): Promise<Ensured<Listener>> {
  const elb = ctx.aws.elbv2;
  return ensure<Listener>(ctx, {
    key: spec.key,
    kind: spec.kind,
    needs: spec.needs,
    foreignId: (arn) => foreignOnLoadBalancer(arn, 'listener', ctx.tags.name('alb')),
    foreign: () => undefined,
    find: async (arn) => existing.find((l) => l.ListenerArn === arn),
    findByTags: async () => {
      const found = existing.find((l) => l.Port === spec.port);
      if (found && !(await isOurs(ctx, found.ListenerArn!))) {
        throw notOurs(ctx, `a listener on port ${spec.port} of load balancer ${ctx.tags.name('alb')}`, 'delete that listener; shipline then creates its own');
      }
      return found;
    },
    create: async () => {
      const { Listeners } = await elb.send(new CreateListenerCommand(createListenerInput(loadBalancerArn, spec, spec.tls, spec.actions(undefined), ctx.tags.list('alb', spec.part))));
      return Listeners![0]!;
    },
    id: (l) => l.ListenerArn!,
    drift: (l) => listenerDrift(l, spec, spec.tls, spec.actions(l.DefaultActions)),
    update: async (l, changes) => {
      await elb.send(new ModifyListenerCommand(modifyListenerInput(l, spec, spec.tls, changes, spec.actions(l.DefaultActions))));
    },
  });
}

export async function deleteListener(ctx: StepContext, kind: ListenerKind): Promise<void> {
  await remove(ctx, {
    key: KEYS.listener(kind),
    kind: `${kind.toUpperCase()} listener`,
    confirm: onStackLoadBalancer(ctx, 'listener'),
    delete: (arn) => ignoringGone(() => ctx.aws.elbv2.send(new DeleteListenerCommand({ ListenerArn: arn })), isGone('listener')),
  });
}

export async function deleteTestListener(ctx: StepContext, env: string): Promise<void> {
  await remove(ctx, {
    key: KEYS.testListener(env),
    kind: `test listener ${env}`,
    confirm: onStackLoadBalancer(ctx, 'listener'),
    delete: (arn) => ignoringGone(() => ctx.aws.elbv2.send(new DeleteListenerCommand({ ListenerArn: arn })), isGone('listener')),
  });
}

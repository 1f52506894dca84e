// What the listeners should be, decided from the config and what AWS reported, and nothing else:
// pure functions, no calls (test/golden/ pins their output per config shape). The HTTP listener
// forwards, or with a certificate redirects to the HTTPS one that does; blue/green adds a test
// listener per environment. Their default actions come from routing.ts.
import type { Action, CreateListenerCommandInput, Listener, ModifyListenerCommandInput } from '@aws-sdk/client-elastic-load-balancing-v2';
import { testPort, type Config } from '../../src/config';
import { servesHttps } from '../../src/domain-config';
import type { Tag } from '../../src/tags';
import { actionsKey } from '../lib/elbv2';
import { KEYS } from './names';

export const SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';
export const REDIRECT_TO_HTTPS: Action[] = [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }];

/** A listener's own settings (its default actions aside). */
export interface ListenerSettings {
  key: string;
  /** Human name for logs. */
  kind: string;
  /** Tag part: `alb-http`, `alb-https`, `<env>-test`. */
  part: string;
  https: boolean;
  port: number;
}

export const HTTP_LISTENER: ListenerSettings = { key: KEYS.listener('http'), kind: 'HTTP listener (port 80)', part: 'alb-http', https: false, port: 80 };
export const HTTPS_LISTENER: ListenerSettings = { key: KEYS.listener('https'), kind: 'HTTPS listener (port 443)', part: 'alb-https', https: true, port: 443 };

/** The production listeners: the one that forwards (and carries the rules), and the HTTP one that then redirects, if any. */
export function productionListeners(config: Pick<Config, 'alb' | 'domain'>): { forwarding: ListenerSettings; redirecting: ListenerSettings | undefined } {
  return servesHttps(config) ? { forwarding: HTTPS_LISTENER, redirecting: HTTP_LISTENER } : { forwarding: HTTP_LISTENER, redirecting: undefined };
}

/** Blue/green: the environment's test listener, on its own port. */
export function testListener(config: Pick<Config, 'environments'>, env: string): ListenerSettings {
  const port = testPort(config, env);
  return { key: KEYS.testListener(env), kind: `test listener ${env} (port ${port})`, part: `${env}-test`, https: false, port };
}

const protocolOf = (spec: ListenerSettings) => (spec.https ? 'HTTPS' : 'HTTP');
const tls = (spec: ListenerSettings, certificateArn: string | null | undefined) =>
  spec.https ? { Certificates: [{ CertificateArn: certificateArn! }], SslPolicy: SSL_POLICY } : {};

export function createListenerInput(
  loadBalancerArn: string,
  spec: ListenerSettings,
  config: Pick<Config, 'alb'>,
  actions: Action[],
  tags: Tag[],
): CreateListenerCommandInput {
  return {
    LoadBalancerArn: loadBalancerArn,
    Port: spec.port,
    Protocol: protocolOf(spec),
    ...tls(spec, config.alb.certificateArn),
    DefaultActions: actions,
    Tags: tags,
  };
}

/** What of a reported listener differs; `actions` are the default actions it should have, given its own. */
export function listenerDrift(l: Listener, spec: ListenerSettings, config: Pick<Config, 'alb'>, actions: readonly Action[]): string[] {
  return [
    ...(l.Port !== spec.port ? ['port'] : []),
    ...(l.Protocol !== protocolOf(spec) ? ['protocol'] : []),
    ...(actionsKey(l.DefaultActions) !== actionsKey(actions) ? ['defaultActions'] : []),
    ...(spec.https && l.Certificates?.[0]?.CertificateArn !== config.alb.certificateArn ? ['certificate'] : []),
    ...(spec.https && l.SslPolicy !== SSL_POLICY ? ['sslPolicy'] : []),
  ];
}

/** ModifyListener's input: only what drifted (`changes`, as listenerDrift names them). */
export function modifyListenerInput(
  l: Listener,
  spec: ListenerSettings,
  config: Pick<Config, 'alb'>,
  changes: readonly string[],
  actions: Action[],
): ModifyListenerCommandInput {
  const tlsChanged = changes.some((c) => c === 'protocol' || c === 'certificate' || c === 'sslPolicy');
  return {
    ListenerArn: l.ListenerArn,
    ...(changes.includes('port') ? { Port: spec.port } : {}),
    ...(changes.includes('protocol') ? { Protocol: protocolOf(spec) } : {}),
    ...(tlsChanged ? tls(spec, config.alb.certificateArn) : {}),
    ...(changes.includes('defaultActions') ? { DefaultActions: actions } : {}),
  };
}

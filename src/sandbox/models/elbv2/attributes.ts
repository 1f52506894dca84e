// ELBv2 (simulated): load balancer and target group attributes, the values AWS checks for them.
import { validationError } from './checks';

/** Attribute values AWS checks, by key: the allowed range of an integer, or the allowed words. */
export const ATTRIBUTE_RULES: Readonly<Record<string, { min: number; max: number } | readonly string[]>> = {
  'deletion_protection.enabled': ['true', 'false'],
  'access_logs.s3.enabled': ['true', 'false'],
  'connection_logs.s3.enabled': ['true', 'false'],
  'routing.http2.enabled': ['true', 'false'],
  'routing.http.drop_invalid_header_fields.enabled': ['true', 'false'],
  'routing.http.preserve_host_header.enabled': ['true', 'false'],
  'routing.http.x_amzn_tls_version_and_cipher_suite.enabled': ['true', 'false'],
  'routing.http.xff_client_port.enabled': ['true', 'false'],
  'waf.fail_open.enabled': ['true', 'false'],
  'zonal_shift.config.enabled': ['true', 'false'],
  'routing.http.desync_mitigation_mode': ['monitor', 'defensive', 'strictest'],
  'routing.http.xff_header_processing.mode': ['append', 'preserve', 'remove'],
  'idle_timeout.timeout_seconds': { min: 1, max: 4000 },
  'client_keep_alive.seconds': { min: 60, max: 604800 },
  'deregistration_delay.timeout_seconds': { min: 0, max: 3600 },
  'slow_start.duration_seconds': { min: 0, max: 900 },
  'stickiness.enabled': ['true', 'false'],
  'stickiness.type': ['lb_cookie', 'app_cookie'],
  'stickiness.lb_cookie.duration_seconds': { min: 1, max: 604800 },
  'stickiness.app_cookie.duration_seconds': { min: 1, max: 604800 },
  'load_balancing.algorithm.type': ['round_robin', 'least_outstanding_requests', 'weighted_random'],
  'load_balancing.algorithm.anomaly_mitigation': ['on', 'off'],
};

export function attributeList(attributes: Record<string, string>): Array<{ Key: string; Value: string }> {
  return Object.entries(attributes).map(([Key, Value]) => ({ Key, Value }));
}

export function modifiedAttributes(
  current: Record<string, string>,
  changes: ReadonlyArray<{ Key?: string; Value?: string }> | undefined,
  what: 'Load balancer' | 'Target group',
): Record<string, string> {
  if (!changes?.length) throw validationError('At least one attribute must be specified');
  const next = { ...current };
  for (const { Key: key = '', Value: value = '' } of changes) {
    if (!(key in current)) throw validationError(`${what} attribute key '${key}' is not recognized`);
    const rule = ATTRIBUTE_RULES[key];
    const ok =
      rule === undefined ||
      ('min' in rule ? /^\d+$/.test(value) && Number(value) >= rule.min && Number(value) <= rule.max : rule.includes(value));
    if (!ok) throw validationError(`${what} attribute '${key}' cannot have the value '${value}'`);
    next[key] = value;
  }
  return next;
}

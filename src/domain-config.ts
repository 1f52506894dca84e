// The `domain` config: shipline's own certificate and alias records for a domain in a Route 53
// public hosted zone (issue 14). Its schema, its cross-field checks, and the names derived from it.
import { z } from 'zod';

const LABEL = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?';
const DOMAIN_NAME = new RegExp(`^${LABEL}(\\.${LABEL})+$`);

export const domainSchema = z
  .strictObject({
    /** The domain the default environment is served at (`example.com`); environments' hosts lie inside it. */
    name: z.string().max(253).regex(DOMAIN_NAME, { error: 'expected a lowercase domain name like "example.com" (no wildcard, no trailing dot)' }),
    /** The public hosted zone to write into; null: the public zone whose name is the longest that matches. */
    hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/, { error: 'expected a Route 53 hosted zone ID like Z0123456789ABCDEFGHIJ, or null to find the zone by name' }).nullable().default(null),
  })
  .nullable()
  .default(null);

export type DomainConfig = NonNullable<z.output<typeof domainSchema>>;

interface DomainFields {
  domain: DomainConfig | null;
  alb: { certificateArn: string | null };
  environments: ReadonlyArray<{ name: string; host?: string | undefined }>;
}

type Issue = (path: PropertyKey[], message: string) => void;

/** `domain` with `alb.certificateArn`, and, with a domain, hosts outside it or wildcards. */
export function checkDomain(config: DomainFields, issue: Issue): void {
  const domain = config.domain;
  if (!domain) return;
  if (config.alb.certificateArn !== null) {
    issue(['domain'], 'set either "domain" (shipline gets and validates a certificate for it) or "alb.certificateArn" (a certificate of yours), not both');
  }
  config.environments.forEach((env, i) => {
    if (env.host === undefined) return;
    if (env.host.startsWith('*.')) {
      issue(['environments', i, 'host'], `"${env.host}" is a wildcard: with "domain", each host is a full name inside ${domain.name} (e.g. "${env.name}.${domain.name}") that gets its own alias record`);
    } else if (!isInside(env.host, domain.name)) {
      issue(['environments', i, 'host'], `"${env.host}" is not inside the domain ${domain.name}: with "domain", a host is ${domain.name} or a name ending in .${domain.name} (e.g. "${env.name}.${domain.name}")`);
    }
  });
}

/** Whether `name` is `domain` or a name under it. */
export function isInside(name: string, domain: string): boolean {
  return name === domain || name.endsWith(`.${domain}`);
}

/** The names the certificate covers: the domain, then every environment's host (its SANs), once each. */
export function certificateNames(config: Pick<DomainFields, 'domain' | 'environments'>): string[] {
  if (!config.domain) return [];
  return [...new Set([config.domain.name, ...config.environments.flatMap((e) => (e.host === undefined ? [] : [e.host]))])];
}

/** Whether the load balancer serves HTTPS: with a certificate of the user's, or shipline's for a domain. */
export function servesHttps(config: Pick<DomainFields, 'domain' | 'alb'>): boolean {
  return config.alb.certificateArn !== null || config.domain !== null;
}

/** The host an environment is served at: its own host, else the domain (path environments share it). */
export function publicHost(config: Pick<DomainFields, 'domain'>, env: { host?: string | undefined }): string | undefined {
  return env.host ?? config.domain?.name;
}

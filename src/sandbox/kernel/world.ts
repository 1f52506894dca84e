// What every simulated service shares: the account and region, a simulated clock with latencies
// modelled on real AWS durations, deterministic IDs, ARNs and AWS-shaped errors.
import { partitionOfRegion } from '../../aws/partition';
import type { PolicyDocument } from '../../policies';

/** Simulated seconds that slow transitions take on real AWS (rounded from observed runs). */
export const REAL_LATENCIES = {
  'ec2.instance.running': 30,
  'ec2.instance.terminated': 45,
  'ec2.natGateway.available': 90,
  'ec2.natGateway.deleted': 60,
  /**
   * A load balancer's network interfaces stay, public addresses and all, this long after
   * DeleteLoadBalancer ("some minutes": hashicorp/terraform#3758; src/sandbox/README.md).
   */
  'ec2.eni.elb.released': 300,
  /** A stopped Fargate task's interface stays this long (5 to 20 minutes seen: alchemy-run/alchemy#1125). */
  'ec2.eni.task.released': 300,
  'elbv2.loadBalancer.active': 150,
  'elbv2.loadBalancer.deleted': 10,
  'ecs.service.stable': 60,
  'ecs.service.inactive': 30,
  'codebuild.build': 120,
  'codepipeline.stage': 30,
  'codedeploy.deployment': 180,
  /** How often ECR's lifecycle evaluator runs for a repository ("expired within 24 hours"). */
  'ecr.lifecycle': 86_400,
  /**
   * ACM's DNS validation once the record answers publicly: "several minutes" (CDK waited 5, then
   * 9.5 minutes: aws/aws-cdk#2914; src/sandbox/README.md, ACM).
   */
  'acm.certificate.issued': 180,
  /** ACM fills in a new certificate's validation records a few seconds after RequestCertificate. */
  'acm.validation.record': 5,
  /** A Route 53 change reaches every authoritative server (PENDING → INSYNC), usually within 60 s. */
  'route53.change.insync': 60,
  /** Round trip of one API call. */
  'api.call': 0.1,
} as const;
export type LatencyKey = keyof typeof REAL_LATENCIES;
export type LatencyModel = Record<LatencyKey, number>;

export interface SandboxOptions {
  region?: string;
  account?: string;
  /** The partition every ARN is in; default the region's (`aws-cn` for cn-*, `aws-us-gov` for us-gov-*, else `aws`). */
  partition?: string;
  /**
   * Real milliseconds per simulated second. 0 (the default) is "instant": slow resources still
   * report their intermediate state once (pending, provisioning …), then are ready at the next read.
   */
  msPerSimSecond?: number;
  latencies?: Partial<LatencyModel>;
  /**
   * The real clock in milliseconds (`Date.now` by default). Tests pass one they can hold still, so
   * a state they expect to see in passing does not depend on how busy the machine is.
   */
  clock?: () => number;
  /**
   * The caller's identity-based policy: when set, every call is first evaluated against it as IAM
   * would (caller-authorization.ts, iam-policy.ts) and refused with the service's access-denied
   * error when the policy does not allow it. Unset: the caller may do anything.
   */
  callerPolicy?: PolicyDocument;
  /**
   * The most items any list or describe call returns in one page (kernel/pages.ts), below AWS's
   * own sizes. Unset: AWS's sizes (the CLI's `--sandbox`, the bench). Tests use 5, so a caller
   * that forgets the next page is caught.
   */
  pageSize?: number;
}

export class SandboxWorld {
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  readonly msPerSimSecond: number;
  readonly latencies: LatencyModel;
  readonly pageSize: number | undefined;
  private readonly clock: () => number;
  private readonly realStart: number;
  constructor(
    options: SandboxOptions,
    /** Simulated seconds already elapsed (a restored sandbox carries on from its snapshot). */
    private simStart = 0,
    /** Counter behind every generated ID; restored from snapshots so IDs never repeat. */
    public idCounter = 0,
  ) {
    this.account = options.account ?? '123456789012';
    this.region = options.region ?? 'eu-west-3';
    this.partition = options.partition ?? partitionOfRegion(this.region);
    this.msPerSimSecond = options.msPerSimSecond ?? 0;
    this.latencies = { ...REAL_LATENCIES, ...options.latencies };
    this.pageSize = options.pageSize;
    this.clock = options.clock ?? Date.now;
    this.realStart = this.clock();
  }

  /** Simulated seconds since the sandbox was first created. */
  now(): number {
    if (this.msPerSimSecond <= 0) return this.simStart;
    return this.simStart + (this.clock() - this.realStart) / this.msPerSimSecond;
  }

  /**
   * Moves this clock forward to `simNow` if it is behind (a world another process saved later in
   * simulated time): the shared world's time never goes back, whichever process reads it.
   */
  catchUp(simNow: number): void {
    const behind = simNow - this.now();
    if (behind > 0) this.simStart += behind;
  }

  /** The real clock, in milliseconds: what a saved world notes as the moment it was saved. */
  realNow(): number {
    return this.clock();
  }

  /** Simulated seconds that the real time since `realMs` is worth at this world's speed (0 when instant). */
  simSecondsSince(realMs: number): number {
    return this.msPerSimSecond > 0 ? Math.max(0, this.clock() - realMs) / this.msPerSimSecond : 0;
  }

  nowDate(): Date {
    return new Date(Date.UTC(2026, 0, 1) + this.now() * 1000);
  }

  /** When a transition that starts now completes. In instant mode: now (ready at the next read). */
  readyAt(kind: LatencyKey): number {
    return this.now() + (this.msPerSimSecond > 0 ? this.latencies[kind] : 0);
  }

  isPast(time: number): boolean {
    return this.now() >= time;
  }

  /** Real milliseconds a simulated duration takes (0 in instant mode). */
  realMs(kind: LatencyKey): number {
    return this.msPerSimSecond > 0 ? this.latencies[kind] * this.msPerSimSecond : 0;
  }

  /** An AWS-looking ID: `vpc-0000000000000001a` style, unique within this sandbox. */
  newId(prefix: string, hexDigits = 17): string {
    this.idCounter += 1;
    return `${prefix}-${this.idCounter.toString(16).padStart(hexDigits, '0')}`;
  }

  arn(service: string, resource: string, options: { region?: string | ''; account?: string | '' } = {}): string {
    const region = options.region ?? this.region;
    const account = options.account ?? this.account;
    return `arn:${this.partition}:${service}:${region}:${account}:${resource}`;
  }
}

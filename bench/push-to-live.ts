// The "push to live" row (issue 13): how long from a push until the new code serves dev, modelled
// from published AWS numbers, once with the settings shipline makes and once with what AWS gives
// when nothing is set. Shipline's side reads its settings from the code (the health check defaults,
// the deregistration delay, the build cache), so the row moves when they do; every time names where
// it comes from, so the ratio does not grade itself. A term with no published number is the same on
// both sides: it only pulls the ratio towards 1.
//
// "Live" is the pipeline's dev deploy done: the new task healthy behind the load balancer and the
// old one drained (CodePipeline's ECS action waits for that). Rolling, one task.
import { HEALTH_CHECK_DEFAULTS } from '../src/service-config';
import { REAL_LATENCIES } from '../src/sandbox/kernel/world';
import { DEREGISTRATION_DELAY_SECONDS } from '../steps/alb/target-groups';
import { BUILD_CACHE } from '../steps/build';
import { DEPLOYMENT } from '../steps/services/names';

export interface PushSegment {
  what: string;
  /** Seconds with shipline's settings, and with AWS's defaults. */
  shipline: number;
  defaults: number;
  /** What each number is, and the page or measurement it comes from. */
  source: string;
}

export interface PushToLive {
  segments: PushSegment[];
  shipline: number;
  defaults: number;
  /** shipline ÷ defaults, with the build cache hit. */
  ratio: number;
  /** The same with the cache missed (CodeBuild's local cache is best effort): the build as slow on both sides. */
  ratioCacheMiss: number;
}

/** A Docker image build of a web app with its dependencies, cold and reusing its layers. */
const BUILD = {
  cold: 360,
  layersReused: 120,
  source:
    'a Docker build on CodeBuild, ~6 min from scratch, ~2 min reusing layers ("How to speed up AWS CodeBuild Docker builds by 25% or more", ' +
    'https://dev.to/aws-builders/how-to-speed-up-aws-codebuild-docker-builds-by-25-or-more-using-ecr-as-a-remote-cache-1a8m; ' +
    'measured with a remote cache: the local cache gives the same reuse when the build lands on a warm host, ' +
    'https://docs.aws.amazon.com/codebuild/latest/userguide/build-caching.html)',
};

/** AWS's target group defaults (ECS best practices: 5 checks 30 s apart, 150 s; 300 s draining). */
const AWS_DEFAULTS = { healthyThreshold: 5, intervalSeconds: 30, deregistrationSeconds: 300, gracePeriodSeconds: 0 };

export function pushToLive(): PushToLive {
  const hc = HEALTH_CHECK_DEFAULTS;
  const cached = BUILD_CACHE.type === 'LOCAL' && (BUILD_CACHE.modes ?? []).includes('LOCAL_DOCKER_LAYER_CACHE');
  const deregistration = Number(DEREGISTRATION_DELAY_SECONDS);
  // minimumHealthyPercent 100 / maximumPercent 200: the new task starts beside the old one, as with
  // AWS's defaults for a rolling service (CreateService): no stop-then-start time on either side.
  const startsBeside = DEPLOYMENT.minimumHealthyPercent === 100 && (DEPLOYMENT.maximumPercent ?? 0) >= 200;
  const segments: PushSegment[] = [
    {
      what: 'source',
      shipline: REAL_LATENCIES['codepipeline.stage'],
      defaults: REAL_LATENCIES['codepipeline.stage'],
      source: "the pipeline's source stage: the sandbox's stage latency, rounded from runs (unsourced; the same on both sides)",
    },
    { what: 'build', shipline: cached ? BUILD.layersReused : BUILD.cold, defaults: BUILD.cold, source: BUILD.source },
    {
      what: 'task start',
      shipline: 30,
      defaults: 30,
      source:
        'a Fargate task placed, pulled and started, ~30 s before ECS on Fargate tasks run (Vlad Ionescu, "Scaling containers on AWS in 2022", ' +
        'https://www.vladionescu.me/posts/scaling-containers-on-aws-in-2022/); the same on both sides' +
        (startsBeside ? '' : '; shipline stops the old task first: add its draining'),
    },
    {
      what: 'health checks',
      shipline: hc.healthyThreshold * hc.intervalSeconds,
      defaults: AWS_DEFAULTS.healthyThreshold * AWS_DEFAULTS.intervalSeconds,
      source:
        `healthy threshold × interval: ${hc.healthyThreshold} × ${hc.intervalSeconds} s against AWS's ${AWS_DEFAULTS.healthyThreshold} × ${AWS_DEFAULTS.intervalSeconds} s ` +
        '(https://docs.aws.amazon.com/AmazonECS/latest/bestpracticesguide/load-balancer-healthcheck.html)',
    },
    {
      what: 'grace period',
      shipline: 0,
      defaults: AWS_DEFAULTS.gracePeriodSeconds,
      source:
        `${hc.gracePeriodSeconds} s against AWS's 0: ECS only ignores failing checks that long, a healthy task is not held back ` +
        '(https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html, healthCheckGracePeriodSeconds)',
    },
    {
      what: 'old task drained',
      shipline: deregistration,
      defaults: AWS_DEFAULTS.deregistrationSeconds,
      source:
        `deregistration delay ${deregistration} s against AWS's ${AWS_DEFAULTS.deregistrationSeconds} s ` +
        '(https://docs.aws.amazon.com/AmazonECS/latest/bestpracticesguide/load-balancer-connection-draining.html)',
    },
  ];
  const total = (side: 'shipline' | 'defaults') => segments.reduce((sum, s) => sum + s[side], 0);
  const shipline = total('shipline');
  const defaults = total('defaults');
  const buildGain = BUILD.cold - segments[1]!.shipline;
  return { segments, shipline, defaults, ratio: shipline / defaults, ratioCacheMiss: (shipline + buildGain) / defaults };
}

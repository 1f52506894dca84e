// What a CodeBuild build writes in its CloudWatch Logs stream, as the build container's agent
// does: for each phase it ran, "Entering phase X", then "Phase complete: X State: …" and the
// phase's context; a failed phase ends the log with its status code and message. Pure: the model
// (codebuild.ts) appends these events when a build ends.
import type { BuildPhaseType } from '@aws-sdk/client-codebuild';
import type { LogEventRecord } from './logs';

/** The phases whose lines the build container writes (the earlier ones happen before it runs). */
const CONTAINER_PHASES: readonly BuildPhaseType[] = ['DOWNLOAD_SOURCE', 'INSTALL', 'PRE_BUILD', 'BUILD', 'POST_BUILD', 'UPLOAD_ARTIFACTS', 'FINALIZING'];

export interface EndedBuild {
  /** Every phase in order, with its start in epoch milliseconds. */
  phases: ReadonlyArray<{ phase: BuildPhaseType; startsAt: number }>;
  failedPhase?: BuildPhaseType;
  failureMessage?: string;
  /** The image the build pushed, if any. */
  imageUri?: string;
}

export function buildLogEvents(build: EndedBuild): LogEventRecord[] {
  const events: LogEventRecord[] = [];
  const line = (timestamp: number, text: string) => events.push({ timestamp, message: `[Container] ${stamp(timestamp)} ${text}\n` });
  const ran = build.phases.filter((p) => CONTAINER_PHASES.includes(p.phase));
  for (const [i, { phase, startsAt }] of ran.entries()) {
    const endsAt = ran[i + 1]?.startsAt ?? startsAt;
    line(startsAt, `Entering phase ${phase}`);
    if (phase === 'POST_BUILD' && build.imageUri) line(startsAt, `Running command docker push ${build.imageUri}`);
    if (build.failedPhase === phase) {
      line(endsAt, `Phase complete: ${phase} State: FAILED`);
      line(endsAt, `Phase context status code: COMMAND_EXECUTION_ERROR Message: ${build.failureMessage ?? ''}`);
      break;
    }
    line(endsAt, `Phase complete: ${phase} State: SUCCEEDED`);
    line(endsAt, 'Phase context status code:  Message: ');
  }
  return events;
}

/** The agent's time format: `2026/01/01 00:02:00` (aws/aws-codebuild-docker-images#385). */
function stamp(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  return `${iso.slice(0, 10).replaceAll('-', '/')} ${iso.slice(11, 19)}`;
}

// Which images the ECR lifecycle policy must keep, and how the pipeline says so. ECR's lifecycle
// rules cannot see what runs (containers-roadmap#1078): an image is kept only by a tag that a
// rule of higher priority than "keep the last N" matches. So the pipeline tags them:
// - `live-<env>`: the image the environment runs. A mark action right after each deploy action
//   moves the tag onto the image just deployed; it runs only when the deploy succeeded, so after a
//   failed deploy or a rollback the tag stays on the image the environment still runs.
// - `next-<env>`: for an environment behind a manual approval, the image waiting for it. A mark
//   action beside the approval moves the tag as the run enters the stage, so that builds made
//   while the approval waits (days, maybe) cannot expire the image it will deploy.
// The mark actions run one small CodeBuild project (the build step's) whose inline buildspec does
// the ECR user guide's retag: batch-get-image of the deployed image's manifest, put-image of it
// under the tag (https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-retag.html).
import { IMAGE_DEFINITIONS_FILE, IMAGE_DETAIL_FILE } from '../../src/app-templates';

/** The CodeBuild variable the mark buildspec reads: the tag to move. */
export const MARK_VARIABLE = 'MARK_TAG';

export const liveTag = (env: string) => `live-${env}`;
export const nextTag = (env: string) => `next-${env}`;

/**
 * The tags the lifecycle policy keeps: every environment's live image, and the image waiting for
 * each approval.
 */
export function keptTags(environments: ReadonlyArray<{ name: string; approval: boolean }>): string[] {
  return [...environments.map((e) => liveTag(e.name)), ...environments.filter((e) => e.approval).map((e) => nextTag(e.name))];
}

/**
 * The mark project's buildspec: the image comes from the build output the deploy read
 * (imagespec.json when rolling, imageDetail.json when blue/green); the tag from MARK_TAG. A tag
 * already on that image (a retried action) is success.
 */
export const MARK_BUILDSPEC = `version: 0.2

phases:
  build:
    commands:
      - |
        if [ -f ${IMAGE_DEFINITIONS_FILE} ]; then URI="$(jq -r '.[0].imageUri' ${IMAGE_DEFINITIONS_FILE})"; else URI="$(jq -r '.ImageURI' ${IMAGE_DETAIL_FILE})"; fi
        REPOSITORY="\${URI#*/}"; REPOSITORY="\${REPOSITORY%:*}"; TAG="\${URI##*:}"
        MANIFEST="$(aws ecr batch-get-image --repository-name "$REPOSITORY" --image-ids imageTag="$TAG" --query 'images[0].imageManifest' --output text)"
        if [ -z "$MANIFEST" ] || [ "$MANIFEST" = "None" ]; then echo "image $URI not found"; exit 1; fi
        if ! aws ecr put-image --repository-name "$REPOSITORY" --image-tag "$${MARK_VARIABLE}" --image-manifest "$MANIFEST" 2> put-image.err; then
          grep -q ImageAlreadyExistsException put-image.err || { cat put-image.err; exit 1; }
        fi
        echo "$${MARK_VARIABLE} is now on $URI"
`;

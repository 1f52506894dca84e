// A resource's tags as its service answers them, one reader per service: every step that adopts or
// confirms a resource by the stack's tag reads them here. Each answers the list shape
// (`[{ Key, Value }]`) that `ctx.tags.owns` and `claim` take.
import { ListTagsForResourceCommand as ListCodeDeployTags, type Tag as CodeDeployTag } from '@aws-sdk/client-codedeploy';
import { ListTagsForResourceCommand as ListEcrTags, type Tag as EcrTag } from '@aws-sdk/client-ecr';
import { GetBucketTaggingCommand, type Tag as S3Tag } from '@aws-sdk/client-s3';
import { GONE } from '../../src/aws/gone';
import { unlessNotFound } from '../../src/aws/errors';
import type { StepContext } from '../../src/step';

/** An S3 bucket's tags; a bucket without any answers NoSuchTagSet, which is none. */
export async function bucketTags(ctx: StepContext, bucket: string): Promise<S3Tag[]> {
  const out = await unlessNotFound(ctx.aws.s3.send(new GetBucketTaggingCommand({ Bucket: bucket, ExpectedBucketOwner: ctx.accountId })), ...GONE.s3.tagSet);
  return out?.TagSet ?? [];
}

/** An ECR repository's tags. */
export async function ecrTags(ctx: StepContext, repositoryArn: string | undefined): Promise<EcrTag[]> {
  const { tags = [] } = await ctx.aws.ecr.send(new ListEcrTags({ resourceArn: repositoryArn }));
  return tags;
}

/** A CodeDeploy application's or deployment group's tags. */
export async function codeDeployTags(ctx: StepContext, arn: string): Promise<CodeDeployTag[]> {
  const { Tags = [] } = await ctx.aws.codedeploy.send(new ListCodeDeployTags({ ResourceArn: arn }));
  return Tags;
}

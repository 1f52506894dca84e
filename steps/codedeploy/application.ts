// The CodeDeploy application (compute platform ECS), named after the stack: deleting it deletes
// every deployment group in it.
import {
  CreateApplicationCommand,
  DeleteApplicationCommand,
  GetApplicationCommand,
  type ApplicationInfo,
} from '@aws-sdk/client-codedeploy';
import { GONE } from '../../src/aws/gone';
import { unlessNotFound } from '../../src/aws/errors';
import { arns } from '../../src/policies';
import { ensure, ignoringGone, remove } from '../../src/reconcile';
import type { StepContext } from '../../src/step';
import { applicationName } from '../lib/deployments';
import { codeDeployTags } from '../lib/resource-tags';
import { claim, foreignByName, foreignByTags, tagsNamed } from '../lib/owned';
import { isGroupGone, KEYS, place } from './names';

export async function findApplication(ctx: StepContext, name: string): Promise<ApplicationInfo | undefined> {
  const out = await unlessNotFound(ctx.aws.codedeploy.send(new GetApplicationCommand({ applicationName: name })), ...GONE.codedeploy.application);
  return out?.application;
}

/** The application's name (KNOWN_AFTER_APPLY in a plan that would create it), and whether this run created it. */
export async function ensureApplication(ctx: StepContext): Promise<{ id: string; created: boolean }> {
  const name = applicationName(ctx.tags.stack);
  const arn = arns.codeDeployApplication(place(ctx), name);
  const { id, outcome } = await ensure<ApplicationInfo>(ctx, {
    key: KEYS.application,
    kind: `CodeDeploy application ${name}`,
    foreignId: (id) => foreignByName(id, name),
    foreign: () => undefined,
    find: (id) => findApplication(ctx, id),
    findByTags: async () => {
      const found = await findApplication(ctx, name);
      return found && claim(ctx, 'CodeDeploy application', name, found, await codeDeployTags(ctx, arn));
    },
    create: async () => {
      await ctx.aws.codedeploy.send(new CreateApplicationCommand({ applicationName: name, computePlatform: 'ECS', tags: tagsNamed(ctx, name) }));
      return { applicationName: name, computePlatform: 'ECS' };
    },
    id: (a) => a.applicationName!,
    attributes: () => ({ arn }),
    drift: (a) => {
      if (a.computePlatform !== 'ECS') {
        ctx.log.warn(
          { application: name, computePlatform: a.computePlatform },
          `CodeDeploy application ${name} is for ${a.computePlatform ?? 'another'} compute platform, not ECS, and AWS cannot change that; delete it to have it replaced`,
        );
      }
      return [];
    },
  });
  return { id, created: outcome === 'created' };
}

export async function deleteApplication(ctx: StepContext): Promise<void> {
  const name = applicationName(ctx.tags.stack);
  await remove(ctx, {
    key: KEYS.application,
    kind: `CodeDeploy application ${name}`,
    findByTags: async () => {
      const found = await findApplication(ctx, name);
      return found && ctx.tags.owns(await codeDeployTags(ctx, arns.codeDeployApplication(place(ctx), name))) ? found : undefined;
    },
    id: (a) => a.applicationName!,
    // Its name, then its tags: deleting it deletes every deployment group in it.
    confirm: {
      find: async (id) => {
        if (foreignByName(id, name) !== undefined) return { name: id, tags: [] };
        const found = await findApplication(ctx, id);
        return found && { name: id, tags: await codeDeployTags(ctx, arns.codeDeployApplication(place(ctx), id)) };
      },
      foreign: (a: { name: string; tags: Array<{ Key?: string; Value?: string }> }) => foreignByName(a.name, name) ?? foreignByTags(ctx, a.tags),
    },
    // DeleteApplication of an application already gone succeeds.
    delete: (id) => ignoringGone(() => ctx.aws.codedeploy.send(new DeleteApplicationCommand({ applicationName: id })), isGroupGone),
  });
}

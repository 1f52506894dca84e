// CodeDeploy's input checks, as AWS refuses, and the output shapes records share.
import {
  ApplicationNameRequiredException,
  type CreateDeploymentGroupCommandInput,
  DeploymentConfigDoesNotExistException,
  type DeploymentGroupInfo,
  DeploymentGroupNameRequiredException,
  InvalidApplicationNameException,
  InvalidBlueGreenDeploymentConfigurationException,
  InvalidDeploymentConfigNameException,
  InvalidDeploymentGroupNameException,
  InvalidRevisionException,
  type RevisionLocation,
  RevisionRequiredException,
  InvalidNextTokenException,
} from '@aws-sdk/client-codedeploy';
import { createHash } from 'node:crypto';
import { SandboxNotModelled } from '../../kernel/errors';
import type { PageLimits } from '../../kernel/pages';
import {
  type AutoRollbackRecord,
  type BlueGreenRecord,
  ECS_CONFIGS,
  MAX_WAIT_MINUTES,
  NAME,
  type TrafficRecord,
} from './records';

/**
 * CodeDeploy's lists take no page size: AWS answers a page with a `nextToken` when more remain
 * (100 IDs or names a page in the sandbox) and refuses a token it did not give.
 */
export function listLimits(operation: string): PageLimits {
  return { operation, awsDefault: 100, awsMax: 100, invalid: (message) => cdError(InvalidNextTokenException, message) };
}

/** The most names BatchGetApplications and BatchGetDeploymentGroups take. */
export const BATCH_LIMIT = 100;

export type CodeDeployErrorClass<E> = new (options: { message: string; $metadata: Record<string, never> }) => E;

export function cdError<E>(ErrorClass: CodeDeployErrorClass<E>, message: string): E {
  return new ErrorClass({ message, $metadata: {} });
}

/** An error the SDK or a sandbox model raised on AWS's behalf (not a bug in the sandbox). */
export function isAwsError(error: unknown): error is Error & { $fault: string } {
  return error instanceof Error && typeof (error as { $fault?: unknown }).$fault === 'string';
}

export function checkApplicationName(name: string | undefined): string {
  if (!name) throw cdError(ApplicationNameRequiredException, 'The minimum number of required application names was not specified.');
  if (!NAME.test(name)) throw cdError(InvalidApplicationNameException, `The application name ${name} is not valid.`);
  return name;
}

export function checkGroupName(name: string | undefined): string {
  if (!name) throw cdError(DeploymentGroupNameRequiredException, 'The deployment group name was not specified.');
  if (!NAME.test(name)) throw cdError(InvalidDeploymentGroupNameException, `The deployment group name ${name} is not valid.`);
  return name;
}

export function checkDeploymentConfig(name: string): void {
  if (name in ECS_CONFIGS) return;
  if (name.startsWith('CodeDeployDefault.')) {
    throw cdError(InvalidDeploymentConfigNameException, `The deployment configuration ${name} is not for the ECS compute platform.`);
  }
  throw cdError(DeploymentConfigDoesNotExistException, `No deployment configuration found for name: ${name}`);
}

export function checkedBlueGreen(input: CreateDeploymentGroupCommandInput['blueGreenDeploymentConfiguration']): BlueGreenRecord {
  const invalid = (why: string) => cdError(InvalidBlueGreenDeploymentConfigurationException, why);
  if (input?.greenFleetProvisioningOption) throw invalid('greenFleetProvisioningOption does not apply to the ECS compute platform.');
  const terminate = input?.terminateBlueInstancesOnDeploymentSuccess;
  if (terminate?.action !== undefined && terminate.action !== 'TERMINATE') {
    throw invalid('For the ECS compute platform, the original task set is terminated: terminateBlueInstancesOnDeploymentSuccess.action must be TERMINATE.');
  }
  const terminationWaitMinutes = terminate?.terminationWaitTimeInMinutes ?? 0;
  const ready = input?.deploymentReadyOption;
  const readyWaitMinutes = ready?.waitTimeInMinutes ?? 0;
  for (const minutes of [terminationWaitMinutes, readyWaitMinutes]) {
    if (!Number.isInteger(minutes) || minutes < 0 || minutes > MAX_WAIT_MINUTES) {
      throw invalid(`A wait time must be a whole number of minutes from 0 to ${MAX_WAIT_MINUTES}.`);
    }
  }
  return { terminationWaitMinutes, actionOnTimeout: ready?.actionOnTimeout ?? 'CONTINUE_DEPLOYMENT', readyWaitMinutes };
}

export function checkedAutoRollback(input: CreateDeploymentGroupCommandInput['autoRollbackConfiguration']): AutoRollbackRecord {
  return { enabled: input?.enabled ?? false, events: [...(input?.events ?? [])] };
}

/** ECS deployments take their AppSpec inline (S3 revisions are not modelled). */
export function checkedRevision(revision: RevisionLocation | undefined): RevisionLocation {
  if (!revision) throw cdError(RevisionRequiredException, 'The revision ID was not specified.');
  if (revision.revisionType === 'S3') throw new SandboxNotModelled('the sandbox does not model S3 revisions: give the AppSpec as AppSpecContent');
  if (revision.revisionType !== 'AppSpecContent') {
    throw cdError(InvalidRevisionException, `The revision type ${String(revision.revisionType)} is not valid for the ECS compute platform.`);
  }
  const content = revision.appSpecContent?.content;
  if (!content) throw cdError(InvalidRevisionException, 'The AppSpec content was not specified.');
  const sha256 = revision.appSpecContent?.sha256;
  if (sha256 !== undefined && sha256 !== createHash('sha256').update(content).digest('hex')) {
    throw cdError(InvalidRevisionException, 'The sha256 of the AppSpec content does not match the content.');
  }
  return { revisionType: 'AppSpecContent', appSpecContent: { content, ...(sha256 !== undefined ? { sha256 } : {}) } };
}

export function sameService(a: string, b: string): boolean {
  const name = (cluster: string) => (cluster.startsWith('arn:') ? cluster.slice(cluster.lastIndexOf('/') + 1) : cluster);
  return name(a) === name(b);
}

export function groupKey(applicationName: string, groupName: string): string {
  return `${applicationName}/${groupName}`;
}

export function blueGreenOut(blueGreen: BlueGreenRecord): NonNullable<DeploymentGroupInfo['blueGreenDeploymentConfiguration']> {
  return {
    terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: blueGreen.terminationWaitMinutes },
    deploymentReadyOption: { actionOnTimeout: blueGreen.actionOnTimeout, waitTimeInMinutes: blueGreen.readyWaitMinutes },
  };
}

export function loadBalancerInfoOut(traffic: TrafficRecord): NonNullable<DeploymentGroupInfo['loadBalancerInfo']> {
  return {
    targetGroupPairInfoList: [
      {
        targetGroups: traffic.targetGroupNames.map((name) => ({ name })),
        prodTrafficRoute: { listenerArns: [...traffic.prodListenerArns] },
        ...(traffic.testListenerArns.length > 0 ? { testTrafficRoute: { listenerArns: [...traffic.testListenerArns] } } : {}),
      },
    ],
  };
}

// What every CodeDeploy family reads: the stored records, their lookups, ARNs, IDs and times.
import {
  ApplicationDoesNotExistException,
  DeploymentDoesNotExistException,
  DeploymentGroupDoesNotExistException,
  DeploymentIdRequiredException,
  InvalidArnException,
  InvalidDeploymentIdException,
  ResourceArnRequiredException,
} from '@aws-sdk/client-codedeploy';
import { SandboxService } from '../../kernel/service';
import type { Tags } from '../../kernel/tags';
import type { SandboxWorld } from '../../kernel/world';
import { cdError, checkApplicationName, checkGroupName, groupKey } from './checks';
import {
  type ApplicationRecord,
  type CodeDeployData,
  type CodeDeployPeers,
  DEPLOYMENT_ID,
  type DeploymentGroupRecord,
  type DeploymentRecord,
} from './records';

export abstract class CodeDeployStore extends SandboxService<CodeDeployData> {
  readonly service = 'codedeploy' as const;

  constructor(world: SandboxWorld, data: CodeDeployData, protected readonly peers: CodeDeployPeers) {
    // A sandbox saved before CodeDeploy was modelled stored `{}` for it.
    super(world, { ...CodeDeployStore.empty(), ...data });
  }

  static empty(): CodeDeployData {
    return { applications: {}, deploymentGroups: {}, deployments: {} };
  }

  /** Bring a deployment up to the simulated clock (deployments.ts). */
  protected abstract settle(d: DeploymentRecord): void;

  // ---- Lookups ---------------------------------------------------------------------------------

  protected application(name: string | undefined): ApplicationRecord {
    const checked = checkApplicationName(name);
    const application = this.data.applications[checked];
    if (!application) throw cdError(ApplicationDoesNotExistException, `No application found for name: ${checked}`);
    return application;
  }

  protected group(applicationName: string | undefined, name: string | undefined): DeploymentGroupRecord {
    const application = this.application(applicationName);
    const checked = checkGroupName(name);
    const group = this.data.deploymentGroups[groupKey(application.name, checked)];
    if (!group) throw cdError(DeploymentGroupDoesNotExistException, `No Deployment Group found for name: ${checked}`);
    return group;
  }

  protected groupsOf(applicationName: string): DeploymentGroupRecord[] {
    return Object.values(this.data.deploymentGroups).filter((g) => g.applicationName === applicationName);
  }

  protected deploymentsOf(group: DeploymentGroupRecord): DeploymentRecord[] {
    return Object.values(this.data.deployments).filter((d) => d.applicationName === group.applicationName && d.groupName === group.name);
  }

  protected deployment(id: string | undefined): DeploymentRecord {
    if (!id) throw cdError(DeploymentIdRequiredException, 'At least one deployment ID must be specified.');
    if (!DEPLOYMENT_ID.test(id)) throw cdError(InvalidDeploymentIdException, `${id} is not a valid deployment ID.`);
    const deployment = this.data.deployments[id];
    if (!deployment) throw cdError(DeploymentDoesNotExistException, `Deployment ${id} could not be found`);
    return deployment;
  }

  protected taggable(arn: string | undefined): { tags: Tags } {
    if (!arn) throw cdError(ResourceArnRequiredException, 'The ARN of a resource is required, but was not found.');
    const match = /^arn:aws[\w-]*:codedeploy:[^:]*:\d{12}:(application|deploymentgroup):(.+)$/.exec(arn);
    if (!match?.[2]) throw cdError(InvalidArnException, `The specified ARN is not in a valid format: ${arn}`);
    if (match[1] === 'application') return this.application(match[2]);
    const [applicationName, groupName, ...rest] = match[2].split('/');
    if (rest.length > 0) throw cdError(InvalidArnException, `The specified ARN is not in a valid format: ${arn}`);
    return this.group(applicationName, groupName);
  }

  protected applicationArn(name: string): string {
    return this.world.arn('codedeploy', `application:${name}`);
  }

  protected groupArn(applicationName: string, name: string): string {
    return this.world.arn('codedeploy', `deploymentgroup:${applicationName}/${name}`);
  }

  // ---- IDs and times ---------------------------------------------------------------------------

  /** `d-` and nine upper-case characters, as AWS's. */
  protected deploymentId(): string {
    return `d-${this.world.newId('x', 9).slice(2).toUpperCase()}`;
  }

  protected uuid(): string {
    const h = this.world.newId('x', 32).slice(2);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** A simulated-seconds time as the wall-clock date the sandbox reports. */
  protected dateAt(simSeconds: number): Date {
    return new Date(this.world.nowDate().getTime() + (simSeconds - this.world.now()) * 1000);
  }
}

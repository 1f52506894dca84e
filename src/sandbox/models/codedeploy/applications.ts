// CodeDeploy applications: create, read, list, delete (with their groups and deployments).
import {
  ApplicationAlreadyExistsException,
  type ApplicationInfo,
  ApplicationNameRequiredException,
  type BatchGetApplicationsCommandInput,
  type BatchGetApplicationsCommandOutput,
  type CreateApplicationCommandInput,
  type CreateApplicationCommandOutput,
  type DeleteApplicationCommandInput,
  type DeleteApplicationCommandOutput,
  type GetApplicationCommandInput,
  type GetApplicationCommandOutput,
  type ListApplicationsCommandInput,
  type ListApplicationsCommandOutput,
  BatchLimitExceededException,
} from '@aws-sdk/client-codedeploy';
import type { Out } from '../../kernel/service';
import { tagsFromList } from '../../kernel/tags';
import { pageOf } from '../../kernel/pages';
import { BATCH_LIMIT, cdError, checkApplicationName, groupKey, listLimits } from './checks';
import type { ApplicationRecord } from './records';
import { CodeDeployStore } from './store';

export abstract class CodeDeployApplications extends CodeDeployStore {
  // ---- Applications ----------------------------------------------------------------------------

  createApplication(input: CreateApplicationCommandInput): Out<CreateApplicationCommandOutput> {
    const name = checkApplicationName(input.applicationName);
    if (this.data.applications[name]) throw cdError(ApplicationAlreadyExistsException, `${name} already exists in your account`);
    const application: ApplicationRecord = {
      name,
      id: this.uuid(),
      computePlatform: input.computePlatform ?? 'Server',
      createdAt: this.world.now(),
      tags: tagsFromList(input.tags),
    };
    this.data.applications[name] = application;
    return { applicationId: application.id };
  }

  getApplication(input: GetApplicationCommandInput): Out<GetApplicationCommandOutput> {
    return { application: this.applicationOut(this.application(input.applicationName)) };
  }

  batchGetApplications(input: BatchGetApplicationsCommandInput): Out<BatchGetApplicationsCommandOutput> {
    const names = input.applicationNames ?? [];
    if (names.length === 0) throw cdError(ApplicationNameRequiredException, 'The minimum number of required application names was not specified.');
    if (names.length > BATCH_LIMIT) {
      throw cdError(BatchLimitExceededException, `The maximum number of names or IDs allowed for this request (${BATCH_LIMIT}) was exceeded.`);
    }
    return { applicationsInfo: names.map((name) => this.applicationOut(this.application(name))) };
  }

  listApplications(input: ListApplicationsCommandInput): Out<ListApplicationsCommandOutput> {
    const names = Object.keys(this.data.applications).sort();
    const page = pageOf(this.world, names, { token: input.nextToken }, listLimits('ListApplications'));
    return { applications: page.items, ...(page.next ? { nextToken: page.next } : {}) };
  }

  /** Deletes its deployment groups and deployments too. A missing application is no error (AWS). */
  deleteApplication(input: DeleteApplicationCommandInput): Out<DeleteApplicationCommandOutput> {
    const name = checkApplicationName(input.applicationName);
    if (!this.data.applications[name]) return {};
    for (const group of this.groupsOf(name)) delete this.data.deploymentGroups[groupKey(name, group.name)];
    for (const deployment of Object.values(this.data.deployments)) {
      if (deployment.applicationName === name) delete this.data.deployments[deployment.id];
    }
    delete this.data.applications[name];
    return {};
  }

  private applicationOut(application: ApplicationRecord): ApplicationInfo {
    return {
      applicationId: application.id,
      applicationName: application.name,
      createTime: this.dateAt(application.createdAt),
      linkedToGitHub: false,
      computePlatform: application.computePlatform,
    };
  }
}

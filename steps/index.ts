// The steps shipline runs, in no particular order: the engine orders them by their `after`.
import type { Step } from '../src/step';
import { alb, albActive } from './alb';
import { artifacts } from './artifacts';
import { build } from './build';
import { cluster } from './cluster';
import { codedeploy } from './codedeploy';
import { connection } from './connection';
import { certificate, dns } from './domain';
import { nat } from './nat';
import { network } from './network';
import { pipeline } from './pipeline';
import { repository } from './repository';
import { services } from './services';

export const STEPS: readonly Step[] = [network, nat, certificate, alb, albActive, dns, cluster, repository, services, codedeploy, artifacts, connection, build, pipeline];

// The steps shipline runs, in no particular order: the engine orders them by their `after`.
import type { Step } from '../src/step';
import { alb, albActive } from './alb';
import { artifacts } from './artifacts';
import { build } from './build';
import { cluster } from './cluster';
import { codedeploy } from './codedeploy';
import { connection } from './connection';
import { nat } from './nat';
import { network } from './network';
import { pipeline } from './pipeline';
import { repository } from './repository';
import { services } from './services';

export const STEPS: readonly Step[] = [network, nat, alb, albActive, cluster, repository, services, codedeploy, artifacts, connection, build, pipeline];

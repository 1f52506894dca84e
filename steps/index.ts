// The steps shipline runs, in no particular order: the engine orders them by their `after`.
import type { Step } from '../src/step';
import { alb } from './alb';
import { cluster } from './cluster';
import { nat } from './nat';
import { network } from './network';
import { repository } from './repository';
import { services } from './services';

export const STEPS: readonly Step[] = [network, nat, alb, cluster, repository, services];

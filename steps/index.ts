// The steps shipline runs, in no particular order: the engine orders them by their `after`.
import type { Step } from '../src/step';
import { nat } from './nat';
import { network } from './network';

export const STEPS: readonly Step[] = [network, nat];

// Configs the end-to-end tests of several files share.
import type { ConfigInput } from '../../src/config';
import { BASE_CONFIG } from './harness';

/** The default two environments (dev on /dev, prod), deployed blue/green through CodeDeploy. */
export const BLUE_GREEN: ConfigInput = { ...BASE_CONFIG, deploy: { strategy: 'blue-green' } };

/** Rolling, three environments: dev on /dev, staging on its own host name, prod the default route; approvals before staging and prod. */
export const THREE_ENVIRONMENTS: ConfigInput = {
  ...BASE_CONFIG,
  environments: [
    { name: 'dev', path: '/dev' },
    { name: 'staging', host: 'staging.example.com', approval: true },
    { name: 'prod', cpu: 512, memory: 1024, approval: true },
  ],
};

// The end-to-end promises for a rolling stack of three environments: dev on /dev, staging on its
// own host name, prod the default route, with an approval before staging and before prod.
import { THREE_ENVIRONMENTS } from './helpers/configs';
import { describePromises } from './helpers/promises';

describe('rolling, three environments', () => {
  describePromises(THREE_ENVIRONMENTS);
});

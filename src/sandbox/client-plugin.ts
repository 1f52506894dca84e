// Adapter 1: real SDK clients whose requests end in the sandbox instead of the network. The
// dispatcher sits in the deserialize step, inside the SDK's retry and signing, so throttling the
// sandbox injects is retried by the SDK's own adaptive retry exactly as against AWS.
import type { Pluggable } from '@smithy/types';
import type { ClientOptions, ServiceName } from '../aws/clients';
import type { Sandbox } from './sandbox';

/** Fixed credentials: the sandbox never checks them, but the SDK signs every request. */
export const SANDBOX_CREDENTIALS = { accessKeyId: 'AKIASANDBOX', secretAccessKey: 'sandbox-secret' };

export function sandboxPlugin(sandbox: Sandbox): (service: ServiceName) => Pluggable<object, object> {
  return (service) => ({
    applyToStack(stack) {
      stack.add(
        (_next, context) => async (args) => {
          const output = await sandbox.dispatch(service, context.commandName ?? 'Unknown', args.input);
          return { output, response: { statusCode: 200, headers: {} } };
        },
        { step: 'deserialize', name: 'sandboxDispatch', priority: 'high' },
      );
    },
  });
}

/** Client options that route every call of a run to the sandbox. */
export function sandboxClientOptions(sandbox: Sandbox): Pick<ClientOptions, 'region' | 'credentials' | 'plugins' | 'maxAttempts'> {
  return { region: sandbox.world.region, credentials: SANDBOX_CREDENTIALS, plugins: [sandboxPlugin(sandbox)] };
}

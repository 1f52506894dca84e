// The base of every simulated service. A service keeps all its resources in `data`, a plain
// JSON-serializable object, so a sandbox can be saved between CLI runs and restored. Its public
// methods are named after the AWS operation in lowerCamelCase (CreateVpc → createVpc), take the
// SDK's `…CommandInput` and return the SDK's output without `$metadata` (the dispatcher adds it).
import type { ServiceName } from '../../aws/clients';
import type { Tags } from './tags';
import type { SandboxWorld } from './world';

/** One live resource, as the end-to-end tests and `shipline --sandbox` inventories list them. */
export interface InventoryItem {
  service: string;
  /** e.g. vpc, subnet, instance, security-group, route, load-balancer. */
  type: string;
  id: string;
  tags: Tags;
  /** Attributes that make the item comparable across runs whose IDs differ (CIDR, name …). */
  key?: string;
}

/** An SDK output as a sandbox method returns it. */
export type Out<T> = Omit<T, '$metadata'>;

export abstract class SandboxService<D extends object> {
  abstract readonly service: ServiceName;

  constructor(
    protected readonly world: SandboxWorld,
    public data: D,
  ) {}

  /** Every live resource of this service (deleted/terminated ones excluded). */
  abstract inventory(): InventoryItem[];

  /**
   * Shape an output after the dispatcher copied it, for what a copy can't carry: S3's GetObject
   * Body is a stream-like object with `transformToString()`, not plain data.
   */
  finishOutput(_operation: string, output: Record<string, unknown>): Record<string, unknown> {
    return output;
  }
}

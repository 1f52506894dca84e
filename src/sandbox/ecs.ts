// ECS (simulated). Filled in by its own change; see src/sandbox/README.md.
import { SandboxService } from './service';
import type { InventoryItem } from './world';

export interface EcsData {}

export class EcsSandbox extends SandboxService<EcsData> {
  readonly service = 'ecs' as const;

  static empty(): EcsData {
    return {};
  }

  inventory(): InventoryItem[] {
    return [];
  }
}

// ECR (simulated). Filled in by its own change; see src/sandbox/README.md.
import { SandboxService } from './service';
import type { InventoryItem } from './world';

export interface EcrData {}

export class EcrSandbox extends SandboxService<EcrData> {
  readonly service = 'ecr' as const;

  static empty(): EcrData {
    return {};
  }

  inventory(): InventoryItem[] {
    return [];
  }
}

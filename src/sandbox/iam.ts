// IAM (simulated). Filled in by its own change; see src/sandbox/README.md.
import { SandboxService } from './service';
import type { InventoryItem } from './world';

export interface IamData {}

export class IamSandbox extends SandboxService<IamData> {
  readonly service = 'iam' as const;

  static empty(): IamData {
    return {};
  }

  inventory(): InventoryItem[] {
    return [];
  }
}

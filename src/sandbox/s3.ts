// S3 (simulated). Filled in by its own change; see src/sandbox/README.md.
import { SandboxService } from './service';
import type { InventoryItem } from './world';

export interface S3Data {}

export class S3Sandbox extends SandboxService<S3Data> {
  readonly service = 's3' as const;

  static empty(): S3Data {
    return {};
  }

  inventory(): InventoryItem[] {
    return [];
  }
}

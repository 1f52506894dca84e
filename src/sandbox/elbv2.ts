// Elastic Load Balancing v2 (simulated). Filled in by its own change; see src/sandbox/README.md.
import { SandboxService } from './service';
import type { InventoryItem } from './world';

export interface Elbv2Data {}

export class Elbv2Sandbox extends SandboxService<Elbv2Data> {
  readonly service = 'elbv2' as const;

  static empty(): Elbv2Data {
    return {};
  }

  inventory(): InventoryItem[] {
    return [];
  }
}

// EC2 (simulated). Filled in by its own change; see src/sandbox/README.md.
import { SandboxService } from './service';
import type { InventoryItem } from './world';

export interface Ec2Data {}

export class Ec2Sandbox extends SandboxService<Ec2Data> {
  readonly service = 'ec2' as const;

  static empty(): Ec2Data {
    return {};
  }

  inventory(): InventoryItem[] {
    return [];
  }
}

// CodeConnections (CodeStar Connections) (simulated). Filled in by its own change; see src/sandbox/README.md.
import { SandboxService } from './service';
import type { InventoryItem } from './world';

export interface ConnectionsData {}

export class ConnectionsSandbox extends SandboxService<ConnectionsData> {
  readonly service = 'connections' as const;

  static empty(): ConnectionsData {
    return {};
  }

  inventory(): InventoryItem[] {
    return [];
  }
}

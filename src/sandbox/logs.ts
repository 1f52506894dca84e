// CloudWatch Logs (simulated). Filled in by its own change; see src/sandbox/README.md.
import { SandboxService } from './service';
import type { InventoryItem } from './world';

export interface LogsData {}

export class LogsSandbox extends SandboxService<LogsData> {
  readonly service = 'logs' as const;

  static empty(): LogsData {
    return {};
  }

  inventory(): InventoryItem[] {
    return [];
  }
}

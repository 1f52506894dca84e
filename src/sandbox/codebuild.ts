// CodeBuild (simulated). Filled in by its own change; see src/sandbox/README.md.
import { SandboxService } from './service';
import type { InventoryItem } from './world';

export interface CodeBuildData {}

export class CodeBuildSandbox extends SandboxService<CodeBuildData> {
  readonly service = 'codebuild' as const;

  static empty(): CodeBuildData {
    return {};
  }

  inventory(): InventoryItem[] {
    return [];
  }
}

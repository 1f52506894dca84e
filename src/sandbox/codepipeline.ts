// CodePipeline (simulated). Filled in by its own change; see src/sandbox/README.md.
import { SandboxService } from './service';
import type { InventoryItem } from './world';

export interface CodePipelineData {}

export class CodePipelineSandbox extends SandboxService<CodePipelineData> {
  readonly service = 'codepipeline' as const;

  static empty(): CodePipelineData {
    return {};
  }

  inventory(): InventoryItem[] {
    return [];
  }
}

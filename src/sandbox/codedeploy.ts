// CodeDeploy (simulated). Filled in by its own change; see src/sandbox/README.md.
import { SandboxService } from './service';
import type { InventoryItem } from './world';

export type CodeDeployData = Record<string, never>;

export class CodeDeploySandbox extends SandboxService<CodeDeployData> {
  readonly service = 'codedeploy' as const;

  static empty(): CodeDeployData {
    return {};
  }

  inventory(): InventoryItem[] {
    return [];
  }
}

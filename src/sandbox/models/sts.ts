// STS: who the caller is. The sandbox's account is fixed per sandbox.
import type { GetCallerIdentityCommandInput, GetCallerIdentityCommandOutput } from '@aws-sdk/client-sts';
import { type InventoryItem, type Out, SandboxService } from '../kernel/service';

export type StsData = Record<string, never>;

export class StsSandbox extends SandboxService<StsData> {
  readonly service = 'sts' as const;

  static empty(): StsData {
    return {};
  }

  getCallerIdentity(_input: GetCallerIdentityCommandInput): Out<GetCallerIdentityCommandOutput> {
    return {
      Account: this.world.account,
      Arn: `arn:${this.world.partition}:iam::${this.world.account}:user/sandbox`,
      UserId: 'AIDASANDBOXUSER',
    };
  }

  inventory(): InventoryItem[] {
    return [];
  }
}

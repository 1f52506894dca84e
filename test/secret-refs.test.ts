// The references of a config's `secrets`, resolved for ECS (valueFrom) and IAM (the execution
// role's statements): pure functions, no calls.
import { resolveSecret, resolveSecrets, secretReadStatements, ssmParameterArn } from '../src/secret-refs';

const PLACE = { partition: 'aws', region: 'eu-west-3', account: '123456789012' };
const SM = 'arn:aws:secretsmanager:eu-west-3:123456789012:secret';

describe('resolveSecret', () => {
  it('resolves an SSM name, with or without its leading "/", to the ARN without "//"', () => {
    expect(resolveSecret(PLACE, '/demo/db-password')).toEqual({
      kind: 'ssm',
      reference: '/demo/db-password',
      arn: 'arn:aws:ssm:eu-west-3:123456789012:parameter/demo/db-password',
      valueFrom: 'arn:aws:ssm:eu-west-3:123456789012:parameter/demo/db-password',
    });
    expect(resolveSecret(PLACE, 'plain').valueFrom).toBe('arn:aws:ssm:eu-west-3:123456789012:parameter/plain');
    expect(ssmParameterArn({ ...PLACE, partition: 'aws-cn', region: 'cn-north-1' }, '/a/b')).toBe('arn:aws-cn:ssm:cn-north-1:123456789012:parameter/a/b');
  });

  it('keeps an SSM ARN as it is, even of another region', () => {
    const arn = 'arn:aws:ssm:us-east-1:123456789012:parameter/shared/token';
    expect(resolveSecret(PLACE, arn)).toMatchObject({ kind: 'ssm', arn, valueFrom: arn });
  });

  it('keeps a complete Secrets Manager ARN, granting it as it is', () => {
    expect(resolveSecret(PLACE, `${SM}:demo/api-AbCdEf`)).toEqual({
      kind: 'secretsmanager',
      reference: `${SM}:demo/api-AbCdEf`,
      arn: `${SM}:demo/api-AbCdEf`,
      partial: false,
      grant: `${SM}:demo/api-AbCdEf`,
      valueFrom: `${SM}:demo/api-AbCdEf`,
    });
  });

  it("cuts ECS's :json-key:version-stage:version-id off the ARN, but not off valueFrom", () => {
    const secret = resolveSecret(PLACE, `${SM}:demo/api-AbCdEf:key:AWSCURRENT:`);
    expect(secret).toMatchObject({ arn: `${SM}:demo/api-AbCdEf`, grant: `${SM}:demo/api-AbCdEf`, valueFrom: `${SM}:demo/api-AbCdEf:key:AWSCURRENT:` });
  });

  it('grants a partial ARN (no six-character suffix) as name-??????', () => {
    expect(resolveSecret(PLACE, `${SM}:prod/stripe:password::`)).toMatchObject({ arn: `${SM}:prod/stripe`, partial: true, grant: `${SM}:prod/stripe-??????` });
  });
});

describe('resolveSecrets', () => {
  it('sorts by name, so the task definition is stable', () => {
    expect(resolveSecrets(PLACE, { Z_KEY: '/z', A_KEY: '/a' }).map((s) => s.name)).toEqual(['A_KEY', 'Z_KEY']);
  });
});

describe('secretReadStatements', () => {
  const secrets = ['/demo/db-password', 'demo/db-password', `${SM}:demo/api-AbCdEf:key::`, `${SM}:prod/stripe`].map((r) => resolveSecret(PLACE, r));

  it('names exactly the parameters and secrets, each once, never "*"', () => {
    expect(secretReadStatements(secrets, null)).toEqual([
      { Sid: 'ReadSsmParameters', Effect: 'Allow', Action: ['ssm:GetParameters'], Resource: ['arn:aws:ssm:eu-west-3:123456789012:parameter/demo/db-password'] },
      { Sid: 'ReadSecrets', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [`${SM}:demo/api-AbCdEf`, `${SM}:prod/stripe-??????`] },
    ]);
  });

  it('adds kms:Decrypt on the configured key only', () => {
    const key = 'arn:aws:kms:eu-west-3:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(secretReadStatements(secrets, key).at(-1)).toEqual({ Sid: 'DecryptSecrets', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [key] });
  });

  it('has no statement without secrets, key or not', () => {
    expect(secretReadStatements([], 'arn:aws:kms:eu-west-3:123456789012:key/k')).toEqual([]);
    expect(secretReadStatements([resolveSecret(PLACE, '/x')], null).map((s) => s.Sid)).toEqual(['ReadSsmParameters']);
  });
});

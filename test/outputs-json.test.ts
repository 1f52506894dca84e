// `outputs --json`: plain values for scripts (IDs, arrays for lists, objects per environment), never
// the display text `shipline outputs` shows a person.
import { outputsJson } from '../src/outputs-json';
import { BLUE_GREEN } from './helpers/configs';
import { harness, type Harness } from './helpers/harness';

let h: Harness;
afterEach(() => h?.restore());

const ARN = (service: string) => expect.stringMatching(new RegExp(`^arn:aws:(${service}):eu-west-3:123456789012:`));
const ALB_URL = (suffix: string) => expect.stringMatching(new RegExp(`^http://demo-alb-\\d+\\.eu-west-3\\.elb\\.amazonaws\\.com${suffix}$`));

/** Every string in a JSON value, however deep. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

async function provisionedOutputs(x: Harness): Promise<Record<string, unknown>> {
  await x.ok('provision');
  return JSON.parse((await x.ok('outputs', '--json')).stdout) as Record<string, unknown>;
}

describe('outputs --json', () => {
  it('a rolling stack: IDs, arrays for subnets, an object per environment, the connection as ARN and status', async () => {
    h = harness();
    const doc = await provisionedOutputs(h);
    expect(doc).toEqual({
      vpcId: expect.stringMatching(/^vpc-[0-9a-f]+$/),
      vpcCidr: '10.0.0.0/16',
      publicSubnets: [expect.stringMatching(/^subnet-[0-9a-f]+$/), expect.stringMatching(/^subnet-[0-9a-f]+$/)],
      privateSubnets: [expect.stringMatching(/^subnet-[0-9a-f]+$/), expect.stringMatching(/^subnet-[0-9a-f]+$/)],
      nat: { instanceId: expect.stringMatching(/^i-[0-9a-f]+$/) },
      url: { dev: ALB_URL('/dev/'), prod: ALB_URL('/') },
      albDns: expect.stringMatching(/^demo-alb-\d+\.eu-west-3\.elb\.amazonaws\.com$/),
      repositoryUri: '123456789012.dkr.ecr.eu-west-3.amazonaws.com/demo',
      cluster: 'demo',
      service: { dev: 'demo-dev', prod: 'demo-prod' },
      artifactBucket: 'demo-artifacts-123456789012-eu-west-3',
      connection: { arn: ARN('codeconnections|codestar-connections'), status: 'PENDING' },
      connectionApproval: 'https://console.aws.amazon.com/codesuite/settings/connections?region=eu-west-3',
      pipeline: 'demo-pipeline',
      pipelineUrl: expect.stringMatching(/^https:\/\/eu-west-3\.console\.aws\.amazon\.com\/.*demo-pipeline/),
    });
    expect(strings(doc).filter((s) => /\(.*\)/.test(s))).toEqual([]);
  });

  it('a blue/green stack: the test URLs per environment, the CodeDeploy application by name and its console apart', async () => {
    h = harness({ config: BLUE_GREEN });
    const doc = await provisionedOutputs(h);
    expect(doc).toMatchObject({
      url: { dev: ALB_URL('/dev/'), prod: ALB_URL('/') },
      testUrl: { dev: expect.stringMatching(/^http:\/\/demo-alb-\S+:\d+\/dev\/$/), prod: expect.stringMatching(/^http:\/\/demo-alb-\S+:\d+\/$/) },
      service: { dev: 'demo-dev', prod: 'demo-prod' },
      codedeployApplication: 'demo',
      codedeployUrl: expect.stringMatching(/^https:\/\/eu-west-3\.console\.aws\.amazon\.com\/codesuite\/codedeploy\/applications\/demo\b/),
    });
    expect(strings(doc).filter((s) => /\(.*\)/.test(s))).toEqual([]);
  });

  it('the text form stays for people: the status beside the connection, subnets in one line', async () => {
    h = harness();
    await h.ok('provision');
    const text = (await h.ok('outputs')).stdout;
    expect(text).toMatch(/^GitHub connection +arn:\S+ \(PENDING\)$/m);
    expect(text).toMatch(/^public subnets +subnet-\w+, subnet-\w+$/m);
    expect(text).toMatch(/^VPC CIDR +10\.0\.0\.0\/16$/m);
  });
});

describe('outputsJson', () => {
  it('nests a dotted key and keeps a plain one; json wins over value', () => {
    const doc = outputsJson([
      { key: 'vpcId', label: 'VPC', value: 'vpc-1' },
      { key: 'url.dev', label: 'dev URL', value: 'http://a/dev/' },
      { key: 'url.prod', label: 'prod URL', value: 'http://a/' },
      { key: 'subnets', label: 'subnets', value: 'subnet-1, subnet-2', json: ['subnet-1', 'subnet-2'] },
    ]);
    expect(doc).toEqual({ vpcId: 'vpc-1', url: { dev: 'http://a/dev/', prod: 'http://a/' }, subnets: ['subnet-1', 'subnet-2'] });
  });

  it('refuses a key that is both a value and a group', () => {
    expect(() =>
      outputsJson([
        { key: 'url', label: 'URL', value: 'http://a/' },
        { key: 'url.dev', label: 'dev URL', value: 'http://a/dev/' },
      ]),
    ).toThrow('output url.dev: url is already a value');
  });
});

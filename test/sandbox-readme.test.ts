// src/sandbox/README.md names, for every modelled AWS behaviour, the AWS page or public issue it
// comes from (issue 11, point 9). This keeps the citations from rotting away: every service the
// sandbox models has a section (or, under "Other services", a Sources entry) with at least one
// source link, and so does each of its "what AWS does" and "Refusals" subsections.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox } from '../src/sandbox/sandbox';
import type { ServiceName } from '../src/aws/clients';

const README = readFileSync(join(__dirname, '..', 'src', 'sandbox', 'README.md'), 'utf8');

/** How the README names each modelled service. A new service must be added here and documented. */
const TITLES: Record<ServiceName, string> = {
  sts: 'STS',
  ec2: 'EC2',
  elbv2: 'ELBv2',
  ecs: 'ECS',
  ecr: 'ECR',
  iam: 'IAM',
  logs: 'CloudWatch Logs',
  s3: 'S3',
  connections: 'CodeConnections',
  codebuild: 'CodeBuild',
  codepipeline: 'CodePipeline',
  codedeploy: 'CodeDeploy',
  ssm: 'SSM Parameter Store',
  secretsmanager: 'Secrets Manager',
  appautoscaling: 'Application Auto Scaling',
  acm: 'ACM',
  route53: 'Route 53',
};

/** A source: an AWS documentation page, or a public GitHub thread or file (issues, PRs, botocore). */
const SOURCE = /\]\((https:\/\/(docs\.aws\.amazon\.com\/[^\s)<>]+|github\.com\/[^\s)<>/]+\/[^\s)<>/]+\/(issues|pull|blob)\/[^\s)<>]+|www\.rfc-editor\.org\/[^\s)<>]+))\)/g;

interface Section {
  title: string;
  body: string;
}

/** The parts of `text` under headings of exactly `level` hashes (a higher heading ends one; code fences skipped). */
function sections(text: string, level: number): Section[] {
  const out: Section[] = [];
  let current: Section | undefined;
  let fenced = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? null : /^(#+) (.+)$/.exec(line);
    if (heading?.[1] !== undefined && heading[2] !== undefined && heading[1].length <= level) {
      current = heading[1].length === level ? { title: heading[2].trim(), body: '' } : undefined;
      if (current) out.push(current);
    } else if (current) {
      current.body += `${line}\n`;
    }
  }
  return out;
}

const sources = (text: string): string[] => [...text.matchAll(SOURCE)].map((m) => m[1]!);

const modelled = Object.keys(new Sandbox().snapshot().services) as ServiceName[];
const topLevel = sections(README, 2);
const otherServices = topLevel.find((s) => s.title === 'Other services');

/** A service's own `## ` section, or its `- **Title**:` entry in the Other services Sources list. */
function documentation(service: ServiceName): string | undefined {
  const title = TITLES[service];
  const own = topLevel.find((s) => s.title === title || s.title.startsWith(`${title} `));
  if (own) return own.body;
  const entry = otherServices?.body.split(/\n(?=- \*\*)/).find((e) => e.startsWith(`- **${title}**`));
  return entry;
}

describe('src/sandbox/README.md cites its sources', () => {
  it('knows how the README names every modelled service', () => {
    expect(modelled.filter((s) => TITLES[s] === undefined)).toEqual([]);
  });

  it.each(modelled)('documents %s with at least one source link', (service) => {
    const text = documentation(service);
    expect({ service, documented: text !== undefined }).toEqual({ service, documented: true });
    expect({ service, sources: sources(text ?? '').length > 0 }).toEqual({ service, sources: true });
  });

  it('cites sources for the promises every service makes', () => {
    const common = topLevel.find((s) => s.title === 'What it promises (every service)');
    expect(sources(common?.body ?? '').length).toBeGreaterThan(0);
  });

  it('cites sources in every "what AWS does" and "Refusals" subsection of a service', () => {
    const uncited = topLevel
      .filter((s) => Object.values(TITLES).some((t) => s.title === t || s.title.startsWith(`${t} `)))
      .flatMap((s) => sections(s.body, 3).map((sub) => ({ service: s.title, sub })))
      .filter(({ sub }) => /^(What AWS does|Refusals)/.test(sub.title) && sources(sub.body).length === 0)
      .map(({ service, sub }) => `${service} › ${sub.title}`);
    expect(uncited).toEqual([]);
  });

  it('lists the known differences from AWS, each with a source', () => {
    const known = topLevel.find((s) => s.title === 'Known differences from AWS');
    const entries = (known?.body ?? '').split('\n').filter((line) => line.startsWith('- '));
    expect(entries.length).toBeGreaterThan(0);
    const joined = (known?.body ?? '').split(/\n(?=- )/).filter((e) => e.startsWith('- '));
    const unsourced = joined.filter((e) => sources(e).length === 0 && !/unsourced|no AWS source|unverified/i.test(e));
    expect(unsourced).toEqual([]);
  });

  it('finds links in the shape it accepts, and refuses placeholders', () => {
    expect(sources('[a](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteVpc.html)')).toHaveLength(1);
    expect(sources('[a](https://github.com/hashicorp/terraform/issues/19452)')).toHaveLength(1);
    expect(sources('[a](https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_<Name>.html)')).toHaveLength(0);
    expect(sources('[a](https://github.com/hashicorp/terraform)')).toHaveLength(0);
    expect(sources('no link at all')).toHaveLength(0);
  });
});

// `shipline init`: a commented shipline.yml for the current directory. On a terminal it asks for
// the stack, the region and the GitHub repository, suggesting the region the AWS config gives and
// the repository `git remote` names; elsewhere they come as flags, and a missing one is a usage
// error naming it. It never overwrites a file, and never writes a second config beside another.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { parseYaml, presentConfigFiles } from '../config-file';
import { parseConfig } from '../config';
import { UsageError } from '../errors';
import type { Io } from '../session';

export interface InitAnswers {
  stack: string;
  region: string;
  repository: string;
  branch: string;
}

export interface InitOptions {
  dir: string;
  stack?: string;
  region?: string;
  repository?: string;
  branch?: string;
  /** Where suggestions come from (tests give their own; no AWS config or git needed). */
  suggest?: Suggestions;
}

export interface Suggestions {
  region(): Promise<string | undefined>;
  repository(dir: string): Promise<string | undefined>;
}

export const INIT_FILE = 'shipline.yml';

/** Write `<dir>/shipline.yml`; returns its path. */
export async function init(options: InitOptions, io: Io): Promise<string> {
  const target = join(options.dir, INIT_FILE);
  const present = presentConfigFiles(options.dir);
  if (present.length > 0) {
    throw new UsageError(`${present.join(' and ')} already exists; shipline init never overwrites a config or writes a second one`, {
      hint: 'edit the config that is there, or run init in another directory',
    });
  }
  const answers = await answersFor(options, io);
  const text = configText(answers);
  // The answers are checked as provision would check them, before anything is written.
  parseConfig(parseYaml(text), target, text);
  try {
    await writeFile(target, text, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${target} already exists; shipline init never overwrites it`);
    throw error;
  }
  io.stdout.write(
    `wrote ${target}\n` +
      'next:\n' +
      `  1. read it, and set what differs from the defaults (config.example.json in the package lists every field)\n` +
      `  2. shipline plan        (what would be made; add --sandbox to try it with no AWS account)\n` +
      `  3. shipline provision\n`,
  );
  return target;
}

async function answersFor(options: InitOptions, io: Io): Promise<InitAnswers> {
  const branch = options.branch ?? 'main';
  if (!io.interactive) {
    const missing = (['stack', 'region', 'repository'] as const).filter((flag) => options[flag] === undefined);
    if (missing.length > 0) {
      throw new UsageError(`shipline init needs ${missing.map((f) => `--${f}`).join(', ')}: there is no terminal to ask on`, {
        hint: 'e.g. shipline init --stack demo --region eu-west-3 --repository my-org/demo-app [--branch main]',
      });
    }
    return { stack: options.stack!, region: options.region!, repository: options.repository!, branch };
  }
  const suggest = options.suggest ?? defaultSuggestions;
  const ask = async (question: string, suggestion: string | undefined): Promise<string> => {
    const answer = (await io.prompt(suggestion ? `${question} [${suggestion}]: ` : `${question}: `)).trim();
    if (answer) return answer;
    if (suggestion) return suggestion;
    throw new UsageError(`no answer for "${question}"; shipline init wrote nothing`);
  };
  const stack = options.stack ?? (await ask('Stack name (names and tags every resource)', stackFromDirectory(options.dir)));
  const region = options.region ?? (await ask('AWS region', await suggest.region()));
  const repository = options.repository ?? (await ask('GitHub repository to build (owner/name)', await suggest.repository(options.dir)));
  return { stack, region, repository, branch: options.branch ?? (await ask('Branch', branch)) };
}

/** A stack name from the directory's: lowercase letters, digits and hyphens, as the config requires. */
export function stackFromDirectory(dir: string): string | undefined {
  const name = basename(dir).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+/, '').replace(/-+$/, '').slice(0, 20).replace(/-+$/, '');
  return name.length >= 2 ? name : undefined;
}

/** "owner/name" of a GitHub remote URL (https, ssh or git@ form), else undefined. */
export function githubRepository(url: string): string | undefined {
  const match = /github\.com[:/]([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(url.trim());
  return match ? `${match[1]}/${match[2]}` : undefined;
}

export const defaultSuggestions: Suggestions = {
  // The region the SDK itself would use: AWS_REGION, then the profile's region in ~/.aws/config.
  region: async () => {
    const { loadConfig, NODE_REGION_CONFIG_OPTIONS, NODE_REGION_CONFIG_FILE_OPTIONS } = await import('@smithy/core/config');
    return loadConfig(NODE_REGION_CONFIG_OPTIONS, NODE_REGION_CONFIG_FILE_OPTIONS)().catch(() => undefined);
  },
  repository: async (dir) => {
    const run = promisify(execFile);
    const remote = await run('git', ['remote', 'get-url', 'origin'], { cwd: dir, timeout: 5000 }).catch(() => undefined);
    return remote ? githubRepository(remote.stdout) : undefined;
  },
};

/** The config, with a comment on each field and pointers to the rest. */
export function configText(answers: InitAnswers): string {
  // Quoted only where YAML needs it (an answer with ": " or a leading "*" stays a string).
  const scalar = (value: string) => stringify(value).trimEnd();
  const a = { stack: scalar(answers.stack), region: scalar(answers.region), repository: scalar(answers.repository), branch: scalar(answers.branch) };
  return `# shipline config: what \`shipline provision\` makes in your AWS account.
# Every field left out has a default; config.example.json (in the package) and the README list them all.

# Names and tags every resource shipline makes (2-20 lowercase letters, digits, hyphens).
stack: ${a.stack}
region: ${a.region}

# The GitHub repository the pipeline builds on every push to the branch. After the first
# provision, approve the GitHub connection once in the AWS console (provision prints its address).
source:
  repository: ${a.repository}
  branch: ${a.branch}

# One ECS service per environment, deployed in this order by the pipeline. The one without a
# path is served at the load balancer's root; "approval: true" waits for a person before it.
environments:
  - name: dev
    path: /dev
    cpu: 256
    memory: 512
  - name: prod
    cpu: 512
    memory: 1024
    approval: true

# The NAT for the private subnets: "instance" (fck-nat on a t4g.nano, a few dollars a month)
# or "nat-gateway" (AWS's managed NAT, about ten times the price).
nat:
  mode: instance

# "rolling" (ECS replaces tasks in place) or "blue-green" (CodeDeploy shifts traffic between two
# target groups, with a test listener per environment).
deploy:
  strategy: rolling
`;
}

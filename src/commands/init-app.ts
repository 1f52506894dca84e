// `shipline init-app <dir>`: the files an application repository needs for the pipeline. Never
// overwrites a file without --force; the Dockerfile and nginx.conf only where the app has none. The
// buildspec matches the config's deploy strategy (blue/green: imageDetail.json, appspec.yml and a
// taskdef-<env>.json per environment, copied from its live task definition at build time).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildspec, dockerfile, nginxConfig } from '../app-templates';
import { loadConfig } from '../config';
import { flagsOf, withGivenFlags } from '../given-flags';
import { UsageError } from '../errors';
import type { Io } from '../session';

export interface InitAppResult {
  written: string[];
  skipped: string[];
}

export async function initApp(dir: string, options: { config: string; force: boolean; sandbox?: boolean }, io: Io): Promise<InitAppResult> {
  const config = await loadConfig(options.config);
  await mkdir(dir, { recursive: true }).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      throw new UsageError(`${dir} is a file (or a path through one); init-app writes into the directory of an application repository`, {
        hint: 'pass the directory of the application repository, e.g. shipline init-app ../my-app',
      });
    }
    throw error; // EACCES and the like: the CLI names the path
  });
  const files: Array<{ name: string; content: string; onlyIfMissing: boolean }> = [
    { name: 'buildspec.yml', content: buildspec(config), onlyIfMissing: false },
    { name: 'Dockerfile', content: dockerfile(), onlyIfMissing: true },
    { name: 'nginx.conf', content: nginxConfig(config), onlyIfMissing: true },
  ];
  const result: InitAppResult = { written: [], skipped: [] };
  const refused: string[] = [];
  for (const file of files) {
    const target = path.join(dir, file.name);
    try {
      // 'wx' fails if the file exists: no window between a check and the write.
      await writeFile(target, file.content, { flag: options.force ? 'w' : 'wx' });
      result.written.push(file.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      result.skipped.push(file.name);
      if (!file.onlyIfMissing) refused.push(target);
    }
  }
  for (const name of result.written) io.stdout.write(`wrote ${path.join(dir, name)}\n`);
  for (const name of result.skipped) io.stdout.write(`kept ${path.join(dir, name)} (exists)\n`);
  if (config.deploy.strategy === 'blue-green' && result.written.includes('buildspec.yml')) {
    io.stdout.write(
      `blue/green: the buildspec copies the task definitions of ${config.environments.map((e) => e.name).join(', ')}; ` +
        'run init-app again with --force when the environments change\n',
    );
  }
  if (refused.length === 0) {
    const { repository, branch } = config.source;
    const release = withGivenFlags('`shipline release`', flagsOf({ config: options.config, sandbox: options.sandbox === true }));
    io.stdout.write(
      `next: commit ${result.written.join(', ')} in ${dir} and push to ${repository} (${branch}): the push starts the pipeline ` +
        `(or ${release} starts it by hand, once the GitHub connection is approved)\n`,
    );
  }
  if (refused.length) {
    throw new UsageError(`${refused.join(', ')} already exists; shipline does not overwrite it`, {
      hint: 'compare it with what shipline would write, or re-run with --force to replace it',
    });
  }
  return result;
}

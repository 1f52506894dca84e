// Parse a config laid over the harness's base, and read the ConfigError a bad one gets.
import { parseConfig, type Config } from '../../src/config';
import { ConfigError } from '../../src/errors';
import { BASE_CONFIG } from './harness';

export const parseOver = (overrides: Record<string, unknown>): Config => parseConfig({ ...BASE_CONFIG, ...overrides }, 'shipline.json');

/** The ConfigError's message for a config AWS-independent checks refuse; fails the test if it parses. */
export function configErrorOf(overrides: Record<string, unknown>): string {
  try {
    parseOver(overrides);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

/** The whole message of a refused shipline.json: its heading, then one "field: message" line per issue. */
export const refusal = (...issues: string[]): string => ['shipline.json is not a valid shipline config:', ...issues.map((i) => `  ${i}`)].join('\n');

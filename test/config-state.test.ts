// The config's `state.backend`: local by default, or an S3 location checked before any call.
import { ConfigError } from '../src/errors';
import { parseConfig } from '../src/config';

const BASE = { stack: 'demo', region: 'eu-west-3', source: { repository: 'my-org/demo-app' } };

function issues(state: unknown): string {
  try {
    parseConfig({ ...BASE, state }, 'shipline.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

it('defaults to the local backend', () => {
  expect(parseConfig(BASE, 'x').state).toEqual({ backend: { type: 'local' } });
});

it('takes an S3 location; key and region are optional', () => {
  expect(parseConfig({ ...BASE, state: { backend: { type: 's3', bucket: 'team-state' } } }, 'x').state.backend).toEqual({ type: 's3', bucket: 'team-state' });
  const full = { type: 's3', bucket: 'team.state-1', key: 'stacks/demo.json', region: 'us-east-1' };
  expect(parseConfig({ ...BASE, state: { backend: full } }, 'x').state.backend).toEqual(full);
});

it.each([
  [{ backend: { type: 'gcs' } }, 'state.backend.type'],
  [{ backend: { type: 's3' } }, 'state.backend.bucket'],
  [{ backend: { type: 's3', bucket: 'Team_State' } }, 'state.backend.bucket: expected an S3 bucket name'],
  [{ backend: { type: 's3', bucket: 'team-state', key: '/abs.json' } }, 'state.backend.key: expected an object key'],
  [{ backend: { type: 's3', bucket: 'team-state', region: 'europe' } }, 'state.backend.region: expected an AWS region'],
  [{ backend: { type: 'local', path: 'x.json' } }, 'path'],
])('names the field of a bad backend: %j', (state, expected) => {
  expect(issues(state)).toContain(expected);
});

// The ownership checks on their own (steps/lib/owned.ts, src/tags.ts): what is the stack's, and the
// words a refusal uses. The steps' and the end-to-end tests prove they are applied (proof-foreign,
// proof-two-stacks, step-*: "refuses a recorded … another stack's tag").
import { ForeignResourceError } from '../src/errors';
import { STACK_TAG, STEP_TAG, stackTags } from '../src/tags';
import {
  canonicalJson,
  claim,
  firstForeign,
  foreignByName,
  foreignByOtherStack,
  foreignByParent,
  foreignByTags,
  foreignResource,
  fromEcsTags,
  parseJson,
  sameJson,
  tagsNamed,
  toEcsTags,
} from '../steps/lib/owned';

const tags = stackTags('demo');
const ctx = { tags, step: 'network' };

describe('stackTags', () => {
  it('names resources <stack>-<part> and tags them with the stack, the step and the Name', () => {
    expect(tags.stack).toBe('demo');
    expect(tags.name('vpc')).toBe('demo-vpc');
    expect(tags.record('network', 'vpc')).toEqual({ 'shipline:stack': 'demo', 'shipline:step': 'network', Name: 'demo-vpc' });
    expect(tags.list('network', 'vpc')).toEqual([
      { Key: 'shipline:stack', Value: 'demo' },
      { Key: 'shipline:step', Value: 'network' },
      { Key: 'Name', Value: 'demo-vpc' },
    ]);
    expect([STACK_TAG, STEP_TAG]).toEqual(['shipline:stack', 'shipline:step']);
  });

  it('filters on the stack\'s tag, and on the Name when given a part', () => {
    expect(tags.filters()).toEqual([{ Name: 'tag:shipline:stack', Values: ['demo'] }]);
    expect(tags.filters('nat')).toEqual([
      { Name: 'tag:shipline:stack', Values: ['demo'] },
      { Name: 'tag:Name', Values: ['demo-nat'] },
    ]);
  });

  it.each([
    ['a list with the stack\'s tag', [{ Key: 'Name', Value: 'x' }, { Key: 'shipline:stack', Value: 'demo' }], true],
    ['a record with the stack\'s tag', { 'shipline:stack': 'demo' }, true],
    ['another stack\'s tag (list)', [{ Key: 'shipline:stack', Value: 'bravo' }], false],
    ['another stack\'s tag (record)', { 'shipline:stack': 'bravo' }, false],
    ['the stack\'s name under another key', [{ Key: 'Name', Value: 'demo' }], false],
    ['the stack\'s name as another key\'s value (record)', { Name: 'demo' }, false],
    ['no tags', [], false],
    ['no tags at all', undefined, false],
  ])('owns: %s → %s', (_what, given, owned) => {
    expect(tags.owns(given)).toBe(owned);
  });
});

describe('ownership checks', () => {
  it('claim returns a resource carrying the stack\'s tag, and refuses one without, naming it and the tag', () => {
    const resource = { name: 'demo' };
    expect(claim(ctx, 'ECR repository', 'demo', resource, { 'shipline:stack': 'demo' })).toBe(resource);
    const refused = (() => {
      try {
        return claim(ctx, 'ECR repository', 'demo', resource, [{ Key: 'shipline:stack', Value: 'bravo' }]);
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(ForeignResourceError);
    expect((refused as Error).message).toBe(
      'ECR repository demo already exists but does not carry the tag shipline:stack=demo: shipline did not create it and will not touch it',
    );
    expect((refused as ForeignResourceError).hint).toContain('give this stack another name');
  });

  it('foreignResource takes a hint of the caller\'s', () => {
    expect(foreignResource(ctx, 'IAM role demo-build', 'rename it').hint).toBe('rename it');
  });

  it('foreignByTags: undefined for the stack\'s; otherwise whose it is, or that it carries no stack tag', () => {
    expect(foreignByTags(ctx, [{ Key: 'shipline:stack', Value: 'demo' }])).toBeUndefined();
    expect(foreignByTags(ctx, [{ Key: 'shipline:stack', Value: 'bravo' }])).toBe('carries shipline:stack=bravo');
    expect(foreignByTags(ctx, { 'shipline:stack': 'bravo' })).toBe('carries shipline:stack=bravo');
    expect(foreignByTags(ctx, [{ Key: 'Name', Value: 'x' }, { Key: 'shipline:stack', Value: 'bravo' }])).toBe('carries shipline:stack=bravo');
    expect(foreignByTags(ctx, [{ Key: 'Name', Value: 'demo-vpc' }])).toBe('does not carry shipline:stack=demo');
    expect(foreignByTags(ctx, undefined)).toBe('does not carry shipline:stack=demo');
  });

  it('foreignByOtherStack: a lost tag is the stack\'s (drift); only another stack\'s tag refuses', () => {
    expect(foreignByOtherStack(ctx, [])).toBeUndefined();
    expect(foreignByOtherStack(ctx, [{ Key: 'Name', Value: 'demo-build' }])).toBeUndefined();
    expect(foreignByOtherStack(ctx, [{ Key: 'Name', Value: 'x' }, { Key: 'shipline:stack', Value: 'bravo' }])).toBe('carries shipline:stack=bravo');
    expect(foreignByOtherStack(ctx, undefined)).toBeUndefined();
    expect(foreignByOtherStack(ctx, { 'shipline:stack': 'demo' })).toBeUndefined();
    expect(foreignByOtherStack(ctx, [{ Key: 'shipline:stack', Value: 'bravo' }])).toBe('carries shipline:stack=bravo');
    expect(foreignByOtherStack(ctx, { 'shipline:stack': 'bravo' })).toBe('carries shipline:stack=bravo');
  });

  it('foreignByName and foreignByParent say what differs', () => {
    expect(foreignByName('demo-build', 'demo-build')).toBeUndefined();
    expect(foreignByName('bravo-build', 'demo-build')).toBe('is not demo-build, the name shipline gives it');
    expect(foreignByParent('VPC', 'vpc-1', 'vpc-1')).toBeUndefined();
    expect(foreignByParent('VPC', 'vpc-2', 'vpc-1')).toBe("is in VPC vpc-2, not the stack's vpc-1");
    expect(foreignByParent('VPC', undefined, 'vpc-1')).toBe("is in VPC (none), not the stack's vpc-1");
    expect(foreignByParent('VPC', undefined, undefined)).toBe("is in VPC (none), not the stack's (none recorded)");
  });

  it('firstForeign gives the first reason, in order', () => {
    expect(firstForeign(undefined, 'b', 'c')).toBe('b');
    expect(firstForeign(undefined, undefined)).toBeUndefined();
  });
});

describe('tags and documents in AWS\'s shapes', () => {
  it('tagsNamed keeps the stack\'s tags and gives the Name asked for', () => {
    expect(tagsNamed(ctx, '/ecs/demo')).toEqual([
      { Key: 'shipline:stack', Value: 'demo' },
      { Key: 'shipline:step', Value: 'network' },
      { Key: 'Name', Value: '/ecs/demo' },
    ]);
  });

  it('ECS tags go both ways', () => {
    expect(toEcsTags([{ Key: 'a', Value: '1' }])).toEqual([{ key: 'a', value: '1' }]);
    expect(fromEcsTags([{ key: 'a', value: '1' }])).toEqual([{ Key: 'a', Value: '1' }]);
    expect(fromEcsTags(undefined)).toEqual([]);
  });

  it('sameJson ignores key order and one-element lists, not values or longer lists\' order', () => {
    expect(sameJson({ b: 1, a: ['x'] }, { a: 'x', b: 1 })).toBe(true);
    expect(sameJson({ a: ['x', 'y'] }, { a: ['y', 'x'] })).toBe(false);
    expect(sameJson({ a: 1 }, { a: 2 })).toBe(false);
    expect(sameJson({ a: 1 }, { a: 1, b: 1 })).toBe(false);
    expect(canonicalJson({ z: 1, a: { d: 1, c: [2] } })).toBe('{"a":{"c":2,"d":1},"z":1}');
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson({ b: 1, a: 2, c: 3 })).toBe('{"a":2,"b":1,"c":3}');
    expect(canonicalJson({ c: 1, a: 1, e: 1, b: 1, d: 1 })).toBe('{"a":1,"b":1,"c":1,"d":1,"e":1}');
    expect(canonicalJson({ a: null, b: 'text', c: [] })).toBe('{"a":null,"b":"text","c":[]}');
    expect(sameJson({ a: ['x', 'y'] }, { a: ['x', 'z'] })).toBe(false);
  });

  it('parseJson reads JSON, URL-encoded JSON when asked (IAM), and gives undefined for what is neither', () => {
    expect(parseJson('{"a":1}')).toEqual({ a: 1 });
    expect(parseJson('%7B%22a%22%3A1%7D', true)).toEqual({ a: 1 });
    expect(parseJson('%7B%22a%22%3A1%7D')).toBeUndefined();
    expect(parseJson('{"a":"100%"}', true)).toEqual({ a: '100%' });
    expect(parseJson('not json', true)).toBeUndefined();
    expect(parseJson(undefined)).toBeUndefined();
  });
});

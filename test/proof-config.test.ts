// Guarantee 9: bad input. Property-based: from the complete example config, fast-check makes many
// invalid ones — a field of the wrong type, a number out of range, a malformed CIDR, a name AWS
// would reject, an unknown key, garbage — and each must be a ConfigError whose message names the
// field, never another exception; through the CLI, exit 2 before any AWS call.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { fieldPath, parseConfig } from '../src/config';
import { ConfigError } from '../src/errors';
import { harness, type Harness } from './helpers/harness';

const EXAMPLE = JSON.parse(readFileSync(path.join(__dirname, '..', 'config.example.json'), 'utf8')) as Record<string, unknown>;

type Path = ReadonlyArray<string | number>;

/** `value` with the value at `at` replaced (or, with `undefined`, removed). */
function setAt(value: unknown, at: Path, replacement: unknown): unknown {
  if (at.length === 0) return replacement;
  const [head, ...rest] = at as [string | number, ...Array<string | number>];
  const copy = (Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) }) as Record<string | number, unknown>;
  const next = setAt(copy[head], rest, replacement);
  if (next === undefined) delete copy[head];
  else copy[head] = next;
  return copy;
}

/** Parse; the ConfigError's message, or a failure saying what else happened. */
function configErrorOf(config: unknown): string {
  let result: unknown;
  try {
    result = parseConfig(config, 'shipline.json');
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw new Error(`not a ConfigError: ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error)}`);
  }
  throw new Error(`accepted: ${JSON.stringify(config)} → ${JSON.stringify(result)}`);
}

/** The fields the error lists: "  network.cidr: expected …" → network.cidr. */
const namedFields = (message: string) =>
  message
    .split('\n')
    .slice(1)
    .map((line) => /^ {2}(.+?): /.exec(line)?.[1])
    .filter((f): f is string => f !== undefined);

/** The error names `at` or a field inside it. */
function namesField(message: string, at: Path): boolean {
  const want = fieldPath(at);
  return namedFields(message).some((f) => f === want || f.startsWith(`${want}.`) || f.startsWith(`${want}[`));
}

// ---- invalid values, by kind -------------------------------------------------------------------

const notAString = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }), fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }));
const notANumber = fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }));
const notAnObject = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 }));
const notABoolean = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant('true'));

const octet = fc.integer({ min: 0, max: 255 });
const malformedCidr = fc.oneof(
  fc.string(),
  fc.tuple(octet, octet, octet, fc.integer({ min: 0, max: 32 })).map(([a, b, c, p]) => `${a}.${b}.${c}/${p}`), // three octets
  fc.tuple(fc.integer({ min: 256, max: 999 }), octet, octet, octet).map(([a, b, c, d]) => `${a}.${b}.${c}.${d}/16`), // an octet over 255
  fc.tuple(octet, octet, fc.integer({ min: 33, max: 99 })).map(([a, b, p]) => `10.${a}.${b}.0/${p}`), // prefix over 32
  fc.tuple(octet, octet).map(([a, b]) => `10.${a}.${b}.0`), // no prefix
  fc.integer({ min: 1, max: 255 }).map((d) => `10.0.0.${d}/16`), // host bits set
  fc.constantFrom(8, 12, 15, 25, 26, 28, 32).map((p) => `10.0.0.0/${p}`), // a prefix shipline can't cut into subnets
);

const badStack = fc.oneof(
  fc.stringMatching(/^[A-Z][A-Za-z]{1,10}$/), // upper case
  fc.stringMatching(/^[a-z][a-z0-9-]{20,40}$/), // too long
  fc.stringMatching(/^[0-9-][a-z0-9-]{1,10}$/), // not starting with a letter
  fc.stringMatching(/^[a-z][a-z0-9]{0,10}-$/), // ending with a hyphen
  fc.stringMatching(/^[a-z]{1,5}[_ .@/][a-z]{1,5}$/), // characters AWS names refuse
  fc.constantFrom('', 'a'),
);
const badEnvironmentName = fc.oneof(
  fc.stringMatching(/^[A-Z][a-z]{0,5}$/),
  fc.stringMatching(/^[a-z][a-z0-9]{10,20}$/),
  fc.stringMatching(/^[0-9][a-z]{0,5}$/),
  fc.stringMatching(/^[a-z]{1,4}[-_ ][a-z]{1,4}$/),
  fc.constantFrom('', 'build', 'pipeline', 'prod'), // empty, reserved, the other environment's
);

/** Each case: where to break the config, with what. */
const CASES: Array<{ at: Path; value: fc.Arbitrary<unknown> }> = [
  { at: ['stack'], value: fc.oneof(notAString, badStack) },
  { at: ['region'], value: fc.oneof(notAString, fc.constantFrom('', 'europe', 'EU-WEST-3', 'eu-west', 'eu-west-3a', 'eu_west_3')) },
  { at: ['source'], value: notAnObject },
  { at: ['source', 'repository'], value: fc.oneof(notAString, fc.constantFrom('', 'demo-app', 'my org/app', 'a/b/c', 'https://github.com/a/b')) },
  { at: ['source', 'branch'], value: fc.oneof(notAString, fc.constant('')) },
  { at: ['network'], value: notAnObject },
  { at: ['network', 'cidr'], value: fc.oneof(notAString, malformedCidr) },
  { at: ['network', 'azs'], value: fc.oneof(notANumber, fc.integer({ max: 1 }), fc.integer({ min: 7 }), fc.double({ min: 2.01, max: 5.99, noNaN: true })) },
  { at: ['network', 'publicSubnets'], value: fc.oneof(notAnObject.filter((v) => !Array.isArray(v)), fc.array(malformedCidr, { minLength: 2, maxLength: 2 }), fc.constant(['10.0.0.0/24']), fc.constant(['10.0.0.0/24', '10.0.0.0/25']), fc.constant(['10.0.0.0/24', '192.168.0.0/24'])) },
  { at: ['nat'], value: notAnObject },
  { at: ['nat', 'mode'], value: fc.oneof(notAString, fc.string().filter((s) => s !== 'instance' && s !== 'nat-gateway')) },
  { at: ['nat', 'instanceType'], value: fc.oneof(notAString, fc.constantFrom('', 't4g', 'T4G.NANO', 't4g nano', '.nano')) },
  { at: ['nat', 'imageId'], value: fc.oneof(fc.integer(), fc.constantFrom('', 'ami-', 'ami-xyz', 'i-0123456789abcdef0', 'ami-0123456789abcdef0123')) },
  { at: ['environments'], value: fc.oneof(notAnObject.filter((v) => !Array.isArray(v)), fc.constant([])) },
  { at: ['environments', 0], value: notAnObject },
  { at: ['environments', 0, 'name'], value: fc.oneof(notAString, badEnvironmentName) },
  { at: ['environments', 0, 'path'], value: fc.oneof(notAString, fc.constantFrom('', 'dev', '/dev/', '/Dev', '//dev', '/de v', '/prod')) },
  { at: ['environments', 0, 'cpu'], value: fc.oneof(notANumber, fc.integer().filter((n) => ![256, 512, 1024, 2048, 4096, 8192, 16384].includes(n)), fc.constant(256.5)) },
  { at: ['environments', 0, 'memory'], value: fc.oneof(notANumber, fc.integer({ max: 0 }), fc.constantFrom(128, 4096, 8192, 513)) },
  { at: ['environments', 0, 'desiredCount'], value: fc.oneof(notANumber, fc.integer({ max: -1 }), fc.integer({ min: 101 }), fc.constant(1.5)) },
  { at: ['environments', 0, 'approval'], value: notABoolean },
  { at: ['alb', 'certificateArn'], value: fc.oneof(fc.integer(), fc.constantFrom('', 'arn:aws:acm:eu-west-3:123:certificate/x', 'arn:aws:iam::123456789012:server-certificate/x', 'certificate')) },
  { at: ['services', 'architecture'], value: fc.oneof(notAString, fc.constantFrom('arm64', 'x86', 'AMD64', '')) },
  { at: ['services', 'placeholderImage'], value: fc.oneof(notAString, fc.constant('')) },
  { at: ['services', 'containerPort'], value: fc.oneof(notANumber, fc.integer({ max: 0 }), fc.integer({ min: 65536 }), fc.constant(80.5)) },
  { at: ['services', 'logRetentionDays'], value: fc.oneof(notANumber, fc.integer().filter((n) => ![1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653].includes(n))) },
  { at: ['services', 'stableTimeoutSeconds'], value: fc.oneof(notANumber, fc.integer({ max: 29 }), fc.integer({ min: 3601 })) },
  { at: ['repository', 'keepImages'], value: fc.oneof(notANumber, fc.integer({ max: 0 }), fc.integer({ min: 1001 })) },
  { at: ['artifacts', 'expireDays'], value: fc.oneof(notANumber, fc.integer({ max: 0 }), fc.integer({ min: 3651 })) },
  { at: ['build', 'computeType'], value: fc.oneof(notAString, fc.constantFrom('SMALL', 'BUILD_GENERAL1_2XLARGE', '')) },
  { at: ['build', 'timeoutMinutes'], value: fc.oneof(notANumber, fc.integer({ max: 4 }), fc.integer({ min: 481 })) },
  { at: ['pipeline', 'detectChanges'], value: notABoolean },
  { at: ['deploy', 'strategy'], value: fc.oneof(notAString, fc.constantFrom('canary', 'bluegreen', 'Rolling', '')) },
  { at: ['state', 'backend'], value: fc.oneof(notAnObject, fc.constant({ type: 'dynamodb' }), fc.constant({ type: 's3' }), fc.constant({ type: 's3', bucket: 'Bad_Bucket' }), fc.constant({ type: 's3', bucket: 'ok-bucket', key: '/leading' })) },
  { at: ['aws', 'endpoint'], value: fc.oneof(fc.integer(), fc.constantFrom('', 'localhost:4566', 'not a url')) },
  { at: ['aws', 'profile'], value: fc.oneof(fc.integer(), fc.constant('')) },
];

/** One broken field of the example config, and where. */
const brokenField = fc.constantFrom(...CASES).chain(({ at, value }) => value.map((v) => ({ at, config: setAt(EXAMPLE, at, v) })));

/** An unknown key in one of the config's objects (a typo in a field name). */
const unknownKey = fc
  .tuple(
    fc.constantFrom<Path>([], ['source'], ['network'], ['nat'], ['alb'], ['environments', 0], ['services'], ['repository'], ['artifacts'], ['build'], ['pipeline'], ['deploy'], ['aws']),
    fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9]{2,12}$/),
  )
  .filter(([at, key]) => {
    let target: unknown = EXAMPLE;
    for (const part of at) target = (target as Record<string | number, unknown>)[part];
    return !(key in (target as object)) && !['cidr', 'azs', 'mode', 'strategy', 'backend', 'profile', 'endpoint'].includes(key);
  })
  .map(([at, key]) => ({ at, key, config: setAt(EXAMPLE, [...at, key], 'x') }));

describe('invalid configs, generated', () => {
  it('the example config is valid (the properties below break one thing in it)', () => {
    expect(() => parseConfig(EXAMPLE, 'shipline.json')).not.toThrow();
  });

  it('a wrong type, a number out of range, a malformed CIDR or a name AWS would reject: a ConfigError naming the field', () => {
    fc.assert(
      fc.property(brokenField, ({ at, config }) => {
        const message = configErrorOf(config);
        expect(message.startsWith('shipline.json is not a valid shipline config:\n')).toBe(true);
        if (!namesField(message, at)) throw new Error(`the error does not name ${fieldPath(at)}:\n${message}`);
      }),
      { numRuns: 600, seed: 20260601 },
    );
  });

  it('an unknown key anywhere: a ConfigError naming it', () => {
    fc.assert(
      fc.property(unknownKey, ({ key, config }) => {
        const message = configErrorOf(config);
        if (!message.includes(`"${key}"`)) throw new Error(`the error does not name ${key}:\n${message}`);
      }),
      { numRuns: 200, seed: 20260602 },
    );
  });

  it('any JSON value at all: a ConfigError, never another exception', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom(...Object.keys(EXAMPLE)), fc.jsonValue())), (config) => {
        const message = configErrorOf(config);
        expect(namedFields(message).length).toBeGreaterThan(0);
      }),
      { numRuns: 400, seed: 20260603 },
    );
  });

  // Checks that look at several fields (subnets inside the VPC, environment names unique, CPU/memory
  // pairs, a CIDR's prefix and host bits) run once every field is well-formed: they are left out here.
  it('several fields broken at once: each one named', () => {
    const crossField = ['network.cidr', 'network.publicSubnets'];
    fc.assert(
      fc.property(fc.uniqueArray(fc.constantFrom(...CASES.filter((c) => c.at.length === 2 && c.at[0] !== 'environments' && !crossField.includes(fieldPath(c.at)))), { minLength: 2, maxLength: 4, selector: (c) => fieldPath(c.at) }).chain((cases) =>
        fc.tuple(...cases.map((c) => c.value.map((v) => ({ at: c.at, v })))),
      ), (breaks) => {
        const config = breaks.reduce<unknown>((acc, b) => setAt(acc, b.at, b.v), EXAMPLE);
        const message = configErrorOf(config);
        for (const b of breaks) {
          if (!namesField(message, b.at)) throw new Error(`the error does not name ${fieldPath(b.at)}:\n${message}`);
        }
      }),
      { numRuns: 200, seed: 20260604 },
    );
  });
});

describe('invalid configs through the CLI', () => {
  let h: Harness | undefined;
  afterEach(() => h?.restore());

  it('exit 2, the file and field named, no stack trace, and not a single AWS call', async () => {
    h = harness();
    const x = h;
    await fc.assert(
      fc.asyncProperty(fc.oneof(brokenField, unknownKey), async ({ config }) => {
        x.writeConfig(config);
        const calls = x.sandbox.calls.length;
        const run = await x.run('provision');
        expect(run.code).toBe(2);
        expect(run.stderr).toContain(`${x.configPath} is not a valid shipline config:`);
        expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
        expect(x.sandbox.calls.length).toBe(calls);
      }),
      { numRuns: 60, seed: 20260605 },
    );
  });
});

describe('the VPC prefix at its edges', () => {
  const withCidr = (cidr: string): unknown => setAt(EXAMPLE, ['network', 'cidr'], cidr);

  it.each(['10.0.0.0/16', '10.0.0.0/24'])('%s, the largest and smallest VPC shipline cuts into subnets, is accepted', (cidr) => {
    expect(parseConfig(withCidr(cidr), 'shipline.json').network.cidr).toBe(cidr);
  });

  it.each(['10.0.0.0/15', '10.0.0.0/25', '10.0.0.0/28', '10.0.0.0/8'])('%s is refused, naming network.cidr and the prefix', (cidr) => {
    const message = configErrorOf(withCidr(cidr));
    expect(namesField(message, ['network', 'cidr'])).toBe(true);
    expect(message).toContain(`got /${cidr.split('/')[1]}`);
  });
});

// The modules that carry the README's promises, each with the tests that prove them. A mutation run
// takes one of them (or `all`): its mutants, tested by those tests only.
export const MODULES = [
  {
    name: 'reconcile',
    mutate: ['src/reconcile.ts'],
    // The contract's own tests. Stryker runs every test that covers a mutant, without bail, and
    // every end-to-end test covers all of ensure(): with them (proof-crash-token, the crash loops,
    // the steps) a run takes hours on two shared cores. Promise 1's proofs are checked by hand
    // against the bug they catch (README, Guarantees).
    tests: ['reconcile.test.ts', 'reconcile-logs.test.ts', 'reconcile-edges.test.ts'],
  },
  {
    name: 'state',
    mutate: ['state/**/*.ts'],
    tests: ['state-*.test.ts', 'proof-state.test.ts', 'config-state.test.ts', 'e2e-state.test.ts', 'proof-interrupt.test.ts'],
  },
  {
    // The state file itself, without the lock and the backends' I/O: load, save, the schema and
    // its versions, the backup, with their unit tests (fast, so a run fits a session).
    name: 'store',
    mutate: ['state/index.ts', 'state/store.ts', 'state/load.ts', 'state/serialize.ts', 'state/schema.ts', 'state/util.ts', 'state/identity.ts'],
    tests: ['state-store.test.ts', 'state-units.test.ts', 'config-state.test.ts'],
  },
  {
    // Where the state lives: the local file and the S3 object, with the S3 backend's own lock.
    name: 'backends',
    mutate: ['state/local.ts', 'state/s3.ts', 'state/backend.ts'],
    tests: ['state-s3.test.ts', 'state-s3-errors.test.ts', 'state-local.test.ts', 'state-local-io.test.ts', 'state-store.test.ts', 'state-units.test.ts'],
  },
  {
    // The lock alone (part of `state`, whose ~1200 mutants take hours here): its own tests. They
    // start real processes (a SIGKILLed holder), so a run takes about two hours on two cores.
    name: 'lock',
    mutate: ['state/lock.ts'],
    tests: ['state-lock.test.ts', 'state-lock-errors.test.ts', 'state-lock-races.test.ts'],
  },
  {
    // Whether a lock's holder is alive, with its own tests (pure: the system is a stand-in).
    name: 'liveness',
    mutate: ['state/holder-liveness.ts'],
    tests: ['holder-liveness.test.ts'],
  },
  {
    name: 'engine',
    mutate: ['src/engine.ts'],
    // Not e2e-promises: its crash loops cover every line of the engine and take 37 s a mutant here.
    tests: ['engine.test.ts', 'engine-edges.test.ts', 'e2e-interrupt.test.ts', 'proof-interrupt.test.ts'],
  },
  {
    name: 'config',
    mutate: ['src/config.ts'],
    tests: ['config*.test.ts', 'proof-config.test.ts'],
  },
  {
    name: 'policies',
    mutate: ['src/policies.ts', 'src/permissions.ts'],
    tests: ['policies.test.ts', 'policy-documents.test.ts', 'permissions.test.ts', 'permissions-variants.test.ts', 'proof-exposure.test.ts'],
  },
  {
    // policies.ts's module-level definitions (the "*" allow-list, the ARN builders, IAM's grammar):
    // the unit tests load them on import, the CLI harness of the other `policies` tests inside a
    // test, so Stryker counts their mutants "hybrid" and, ignoring static mutants, runs on them only
    // the harness tests, none of which reads them. Here no mutant is ignored and each runs every
    // test of the unit files (a reload per mutant: under a second each).
    name: 'policies-static',
    mutate: ['src/policies.ts'],
    tests: ['policies.test.ts', 'policy-documents.test.ts'],
    ignoreStatic: false,
  },
  {
    name: 'aws',
    mutate: ['src/aws/**/*.ts'],
    // Its unit tests (fast, with stand-ins) and promise 3's proof; the other end-to-end proofs that
    // reach it (e2e-interrupt, proof-interrupt, e2e-errors, proof-consistency) cost seconds a mutant.
    tests: ['aws-*.test.ts', 'proof-throttling.test.ts'],
  },
  {
    // The same files with no mutant ignored: the definitions `clients.ts` and `environment.ts` make
    // when loaded (the retry settings, the endpoint prefixes) are loaded lazily inside
    // proof-throttling, so the plain run credits their mutants to it alone, which never reads them.
    // Here each runs every unit test (a reload per mutant).
    name: 'aws-static',
    mutate: ['src/aws/**/*.ts'],
    tests: ['aws-*.test.ts'],
    ignoreStatic: false,
  },
  {
    name: 'ownership',
    mutate: ['steps/lib/owned.ts', 'src/tags.ts'],
    // The checks' own tests. Every step and end-to-end test reaches them too (each run checks
    // tags), so with them every mutant would run dozens of test files: hours here.
    tests: ['owned.test.ts'],
  },
];

export function moduleNamed(name) {
  if (name === 'all') {
    return {
      name: 'all',
      mutate: [...new Set(MODULES.flatMap((m) => m.mutate))],
      tests: [...new Set(MODULES.flatMap((m) => m.tests))],
    };
  }
  const found = MODULES.find((m) => m.name === name);
  if (!found) throw new Error(`unknown mutation module ${name}; one of: all, ${MODULES.map((m) => m.name).join(', ')}`);
  return found;
}

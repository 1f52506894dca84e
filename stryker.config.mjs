// Mutation testing (`npm run mutation [-- MODULE]`): do the tests that carry the README's promises
// catch a realistic bug in the code behind them? Slow on two cores, so it runs one module at a time
// (only that module's mutants, only the tests that reach it) and incrementally (a re-run tests only
// mutants whose code or tests changed). Not part of `npm test`.
import { moduleNamed } from './mutation/modules.mjs';

const name = process.env.SHIPLINE_MUTATION_MODULE ?? 'all';
const module = moduleNamed(name);
const tests = module.tests;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  // Only the tests that reach the module: Stryker's dry run runs them all once for coverage.
  jest: {
    projectType: 'custom',
    config: {
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: tests.map((t) => `<rootDir>/test/${t}`),
      transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
      setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
      testTimeout: 60000,
    },
    enableFindRelatedTests: false,
  },
  coverageAnalysis: 'perTest',
  mutate: module.mutate,
  // Static mutants need every test of the module (a reload each): ignored unless the module asks.
  ignoreStatic: module.ignoreStatic ?? true,
  incremental: true,
  incrementalFile: `reports/mutation/${name}.incremental.json`,
  reporters: ['json', 'clear-text', 'progress'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: false },
  concurrency: 2,
  timeoutMS: 20000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 85, low: 75, break: null },
};

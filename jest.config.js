/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
  randomize: true,
  testTimeout: 30000,
  // Jest keeps a core for itself by default; its main process mostly waits, so use them all
  // (on 2 cores: about 2 minutes instead of 4).
  maxWorkers: '100%',
};

import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'reports/**', '.stryker-tmp/**', 'mutation/**', '*.js', '*.mjs'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  // The sandbox's layers (src/sandbox/README.md): the kernel knows no model; a model knows the
  // kernel and the peers it is given, never the dispatcher or the adapters above it; the adapters
  // reach the models only through the dispatcher. test/sandbox-layers.test.ts adds: no import cycle.
  {
    files: ['src/sandbox/kernel/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.\\./(?!\\.\\./)', message: 'The sandbox kernel imports nothing above it: no model, no dispatcher, no adapter.' }] }],
    },
  },
  {
    files: ['src/sandbox/models/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.\\..*/(sandbox|client-plugin|persist|world-file|world-lock|faults|caller-authorization)$', message: 'A sandbox model imports only the kernel and its peer models (given in its constructor), never the dispatcher or an adapter above it.' }] }],
    },
  },
  {
    files: ['src/sandbox/client-plugin.ts', 'src/sandbox/persist.ts', 'src/sandbox/world-file.ts', 'src/sandbox/world-lock.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^\\./models/', message: 'A sandbox adapter reaches the models through the dispatcher (sandbox.ts) only.' }] }],
    },
  },
);

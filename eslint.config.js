// One lint configuration for the whole workspace; every package runs `eslint .` against it.
// Type-aware: each file is checked with the tsconfig.json of its own package (projectService),
// so a package's workspace dependencies must be built first (turbo's `lint` task sees to that).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const root = path.dirname(fileURLToPath(import.meta.url));

/** The only modules that may read `process.env`: each program's configuration, and tests. */
const configModules = [
  'packages/server/src/config.ts',
  'packages/server/src/main.ts',
  // The admin CLI's entry: like main.ts, it reads the environment once and passes it on.
  'packages/server/src/cli/main.ts',
  'packages/client/src/env.ts',
  'apps/agent/src/config.ts',
  'apps/chat/src/config.ts',
  'bench/src/settings.ts',
];
const testModules = ['**/test/**', 'packages/server/src/testing/**', 'packages/testkit/**'];

export default defineConfig(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/coverage/**',
      '**/.turbo/**',
      'bench/results/**',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: root,
      },
    },
    linterOptions: {
      reportUnusedDisableDirectives: 'error',
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports' },
      ],
      // A leading underscore marks a binding kept on purpose: Express's four-argument error
      // handler, a property left out of a rest spread.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // Rejecting with an AbortSignal's `reason` (typed `any`) is the platform's convention, as
      // `throw` of an `any` or `unknown` value already is for only-throw-error.
      '@typescript-eslint/prefer-promise-reject-errors': [
        'error',
        { allowThrowingAny: true, allowThrowingUnknown: true },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message:
            "Read the environment only in the program's config module, and pass the values in.",
        },
      ],
    },
  },
  {
    files: [...configModules, ...testModules],
    rules: {
      'no-restricted-properties': 'off',
    },
  },
  {
    // Tests read JSON bodies and mock calls as `any` and assert on them, and their test doubles
    // implement async interfaces without awaiting: the `any` and `await` rules stop at src/.
    files: testModules,
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // This file (and any other plain JavaScript) is in no tsconfig: lint it without types.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);

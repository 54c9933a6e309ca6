import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // The testkit depends on the contract, so the contract cannot depend on the testkit (turbo
    // refuses the cycle). Its tests take the one module they need, the session's field names,
    // from the testkit's source by path (here, and in tsconfig.json's "paths"); that module
    // imports nothing.
    alias: {
      '@agentmc/testkit/session-fields': fileURLToPath(
        new URL('../testkit/src/session-fields.ts', import.meta.url),
      ),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});

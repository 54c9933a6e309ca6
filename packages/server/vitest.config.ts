import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // The testkit depends on the server, so the server cannot depend on the testkit: turbo
    // refuses a cycle of workspace dependencies. The server's tests reach the testkit's source
    // by path instead (here, and in tsconfig.json's "paths"), without declaring it. The server
    // that the testkit imports by name is this package's source: the tests and the testkit then
    // share one copy of every server module.
    alias: [
      { find: /^@agentmc\/testkit$/, replacement: source('../testkit/src/index.ts') },
      { find: /^@agentmc\/server$/, replacement: source('./src/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Test files run side by side: most of their time is spent waiting on servers, sockets,
    // PostgreSQL and child processes, so three workers keep two cores busy.
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests and the seeds' examples import "@agentmc/api" by name: run them against the source (the Node.js entry).
    alias: { '@agentmc/api': fileURLToPath(new URL('./src/node.ts', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Test files run side by side; the slowest (packing, type-checking) are busy on their own.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});

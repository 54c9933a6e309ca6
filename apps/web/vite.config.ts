import { defineConfig } from 'vite';

// Built to static files in dist/, which the server serves at `/` (`pnpm start` builds them).
// `pnpm --filter @agentmc/web dev` serves the page on its own; point it at an API with `?api=`.
export default defineConfig({
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
});

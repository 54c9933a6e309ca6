/** Where the API lives when neither the options nor the environment say otherwise. */
export const DEFAULT_BASE_URL = 'http://localhost:3000/api/v1';

/** What the environment says about how to reach the API. */
export interface EnvDefaults {
  readonly apiKey: string | undefined;
  readonly baseUrl: string | undefined;
}

/**
 * Reads `AGENTMC_API_KEY` and `AGENTMC_BASE_URL`. The only place in this package that reads the
 * environment; in a runtime without `process` (a browser) both are undefined.
 */
export function readEnvDefaults(): EnvDefaults {
  const env = globalThis.process?.env ?? {};
  return {
    apiKey: nonEmpty(env.AGENTMC_API_KEY),
    baseUrl: nonEmpty(env.AGENTMC_BASE_URL),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

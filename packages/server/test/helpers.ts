import {
  manualClock,
  SEED_INSTANT,
  useWorld as useTestWorld,
  type StoreKind,
} from '@agentmc/testkit';
import type { AppConfig } from '../src/app.js';

/** The sweeper's timer effectively off: tests move the clock and call `server.sweep()`. */
export function withQuietSweeper(config: Partial<AppConfig>): Partial<AppConfig> {
  return { ...config, realtime: { sweepIntervalSeconds: 3_600, ...config.realtime } };
}

/**
 * A new server and database for every test of the enclosing describe, with a manual clock at
 * {@link SEED_INSTANT}, one team, one person and one agent with their keys.
 */
export function useWorld(kind: StoreKind, config?: Partial<AppConfig>) {
  return useTestWorld({ kind, clock: manualClock(SEED_INSTANT), ...(config ? { config } : {}) });
}

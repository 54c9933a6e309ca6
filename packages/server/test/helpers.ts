import {
  manualClock,
  SEED_INSTANT,
  useWorld as useTestWorld,
  type Sharing,
  type StoreKind,
} from '@agentmc/testkit';
import type { AppConfig } from '../src/app.js';

/**
 * The sweeper's timer effectively off: a server shared by many tests must not end one test's
 * sessions on its own clock. Tests that want a sweep move the clock and call `server.sweep()`.
 */
export function withQuietSweeper(config: Partial<AppConfig>): Partial<AppConfig> {
  return { ...config, realtime: { sweepIntervalSeconds: 3_600, ...config.realtime } };
}

/**
 * A team, a person and an agent with their keys on a server over a database of `kind`, for
 * every test of the enclosing describe, with a manual clock at {@link SEED_INSTANT} when each
 * test starts. The server is the test's own, or (`shared`) one for the whole describe.
 */
export function useWorld(kind: StoreKind, config: Partial<AppConfig> = {}, sharing?: Sharing) {
  return useTestWorld(
    { kind, clock: manualClock(SEED_INSTANT), config: withQuietSweeper(config) },
    sharing,
  );
}

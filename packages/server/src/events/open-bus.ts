import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import type { RealtimeBus } from './bus.js';
import { LogBus } from './log-bus.js';
import { PgBus } from './pg-bus.js';

/**
 * The bus that lets every process of one database hear the others: LISTEN/NOTIFY on
 * PostgreSQL, the event log on SQLite. `start()` it to listen; a process that only publishes
 * (the admin CLI) just closes it, which sends what is pending.
 */
export function busFor(
  store: Store,
  options: { databaseUrl: string; schema?: string | undefined; logger: Logger },
): RealtimeBus {
  return store.dialect === 'postgres'
    ? new PgBus({
        connectionString: options.databaseUrl,
        schema: options.schema,
        logger: options.logger,
      })
    : new LogBus({ log: store.events, logger: options.logger });
}

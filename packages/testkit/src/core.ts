// The part of the testkit that needs no test runner: databases, servers (in process or as their
// own process), fixtures, the inspector, clocks and HTTP. Scripts such as the benchmarks import
// this entry; tests import the package's main entry, which has all of it.

export {
  PG_TEST_URL,
  postgresAvailable,
  storeKinds,
  tempSqliteUrl,
  testDatabase,
  type StoreKind,
  type TestDatabase,
} from './database.js';
export {
  startTestServer,
  TEST_TICKET_SECRET,
  type TestServer,
  type TestServerOptions,
} from './server.js';
export { freePort, spawnServer, type ServerProcess } from './process.js';
export { startFaultProxy, type FaultProxy } from './fault-proxy.js';
export { migrating, openMigrated } from './schema-lock.js';
export { fixtures, type Fixtures, type Principal, type Team } from './fixtures.js';
export {
  closeInspector,
  inspect,
  type AgentRow,
  type Inspector,
  type SessionRow,
  type SignalRow,
  type Tables,
} from './inspect.js';
export {
  iso,
  manualClock,
  SEED_INSTANT,
  TIMESTAMP,
  type Clock,
  type ManualClock,
} from './clock.js';
export { SESSION_FIELDS, sessionFields, type SessionField } from './session-fields.js';
export { apiOf, send, type Api, type Reply, type RequestOptions } from './http.js';
export { between, delayingProxy, type DelayingProxy } from './delaying-proxy.js';

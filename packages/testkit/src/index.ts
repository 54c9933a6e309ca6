// Everything the packages' tests share. `@agentmc/testkit/core` is the part without vitest.

export * from './core.js';
export { ensureBuilt } from './build.js';
export { expectError, expectSessionShape, fieldErrors } from './expectations.js';
export { expectRefused, Refused, TestSocket, trackedWebSocket } from './sockets.js';
export { WAIT_MS, waitFor } from './wait.js';
export { serverForTest, useServer, useWorld, world, type Sharing, type World } from './world.js';

export * from './primitives.js';
export * from './session.js';
export * from './signal.js';
export * from './realtime.js';
export * from './realtime-frames.js';
export * from './errors.js';
export * from './contract.js';
export * from './openapi.js';

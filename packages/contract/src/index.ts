export * from './primitives.js';
export * from './session.js';
export * from './errors.js';
export * from './contract.js';
export * from './openapi.js';

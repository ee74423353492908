export * from './types.js';
export * from './settings.js';
export * from './plan.js';
export * from './summary.js';
export { versionName } from './version-name.js';
export * from './gate.js';

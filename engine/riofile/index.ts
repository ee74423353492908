/** The Riofile: Rio's app format, read exactly and explained exactly when it is wrong. */
export { parseRiofile, type ParseOptions } from './parse.js';
export { RiofileError, RiofileErrorCode, formatIssue, type RiofileIssue } from './errors.js';
export { buildSchema } from './schema/build.js';
export { LIMITS } from './limits.js';
export * from './model.js';

export { parseRiofile } from '../../../engine/riofile/index.js';
export { READ_VERBS } from '../../../engine/riofile/syntax/permissions.js';

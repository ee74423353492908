/** Ria's git edge: list remote refs, shallow-fetch a commit, read a file at it. */
export { createGitClient, type GitClient, type GitIO } from './client.js';
export { listRemoteRefs, toRemoteRefs, type ListRefsOptions, type RemoteRefs } from './list-refs.js';
export { fetchCommit, fullRef, type FetchCommitOptions } from './fetch-commit.js';
export { readFileAt, type ReadFileOptions } from './read-file.js';
export * from './errors.js';
export { toGitError, type ErrorContext } from './map-error.js';
export { redactUrl, splitCredentials, scrubSecrets, REDACTED, type Credentials } from './redact.js';
export { DEFAULT_TIMEOUT_MS, type GitLimits } from './transport.js';

/**
 * Image references as a registry sees them: which host, which repository, which tag or digest.
 * Pure; follows the reference grammar of the OCI distribution spec and Docker's defaults
 * (no host: Docker Hub; a one-part Docker Hub name lives under `library/`).
 */
export interface ImageRef {
  /** Host (and port) of the registry, as the reference names it (`docker.io` for Docker Hub). */
  host: string;
  repository: string;
  /** The tag, or the digest (`sha256:...`) when the reference has one. */
  reference: string;
}

export const DOCKER_HUB = 'docker.io';
/** Where Docker Hub's registry API really answers. */
export const DOCKER_HUB_API = 'registry-1.docker.io';

/** Whether the first path component of a reference names a registry host rather than a namespace. */
function isHost(part: string): boolean {
  return part.includes('.') || part.includes(':') || part === 'localhost';
}

export function parseImageRef(image: string): ImageRef {
  let rest = image.trim();
  let reference = 'latest';
  const at = rest.indexOf('@');
  if (at >= 0) {
    reference = rest.slice(at + 1);
    rest = rest.slice(0, at);
  } else {
    const slash = rest.lastIndexOf('/');
    const colon = rest.lastIndexOf(':');
    if (colon > slash) {
      reference = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
    }
  }
  const first = rest.split('/')[0]!;
  let host = DOCKER_HUB;
  if (rest.includes('/') && isHost(first)) {
    host = first;
    rest = rest.slice(first.length + 1);
  }
  if (host === DOCKER_HUB && !rest.includes('/')) rest = `library/${rest}`;
  return { host, repository: rest, reference };
}

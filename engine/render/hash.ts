import { createHash } from 'node:crypto';

/**
 * A short, stable hash of `text` (8 lowercase hex characters, 32 bits). Used as the suffix that
 * keeps shortened or slugged names unique: two inputs that slug to the same text still differ here.
 */
export function shortHash(text: string, length = 8): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

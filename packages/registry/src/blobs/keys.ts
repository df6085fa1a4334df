import { sha256Hex } from '@flock/core';

/** Every key the registry writes is built here: `sha256/ab/cd/<hex>`. */
export function contentKey(hex: string): string {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`not a sha256 hex digest: ${hex}`);
  return `sha256/${hex.slice(0, 2)}/${hex.slice(2, 4)}/${hex}`;
}

export function keyFor(bytes: Uint8Array): string {
  return contentKey(sha256Hex(bytes));
}

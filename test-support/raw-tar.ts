import { gzipSync } from 'node:zlib';
import { Header, Pax } from 'tar';

export interface RawEntry {
  path: string;
  /** A node-tar type name or code; File by default. */
  type?: string;
  body?: Buffer;
  linkpath?: string;
  /** Put in a pax header (as node-tar writes one), which overrides the ustar path. */
  paxPath?: string;
  /** A pax header with exactly this body, for malformed records. */
  paxBody?: string | Buffer;
  /** Size to claim in the header without writing a body (for bombs, or truncation). */
  claimedSize?: number;
  /** Rewrites the encoded 512-byte header; the checksum is fixed afterwards unless it returns 'keep-checksum'. */
  patch?: (block: Buffer) => void | 'keep-checksum';
}

/** Builds a tar by hand, block by block, so tests can make ones packArchive never would. */
export function rawTar(entries: RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    if (entry.paxPath !== undefined) blocks.push(new Pax({ path: entry.paxPath }).encode());
    if (entry.paxBody !== undefined) blocks.push(...paxHeader(Buffer.from(entry.paxBody)));
    const body = entry.body ?? Buffer.alloc(0);
    const block = Buffer.alloc(512);
    new Header({
      path: entry.path,
      type: (entry.type ?? 'File') as Header['type'],
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: entry.claimedSize ?? body.length,
      mtime: new Date(0),
      linkpath: entry.linkpath,
    }).encode(block);
    if (entry.patch?.(block) !== 'keep-checksum') fixChecksum(block);
    blocks.push(block, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export const rawTarGz = (entries: RawEntry[]): Buffer => gzipSync(rawTar(entries));

/** A pax 'x' header carrying `body` as is, padded to whole blocks. */
function paxHeader(body: Buffer): Buffer[] {
  const block = Buffer.alloc(512);
  new Header({ path: 'PaxHeader/x', type: 'ExtendedHeader', mode: 0o644, uid: 0, gid: 0, size: body.length, mtime: new Date(0) }).encode(block);
  return [block, body, Buffer.alloc((512 - (body.length % 512)) % 512)];
}

/** Rewrites the checksum field (unsigned sum, the field itself counted as spaces) as node-tar writes it. */
export function fixChecksum(block: Buffer): void {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += block[i]!;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
}

/** A pax record as tars write it: its length counts itself. */
export function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  const bytes = Buffer.byteLength(rest);
  let length = bytes + String(bytes).length;
  if (String(length).length !== String(bytes).length) length += 1;
  return `${length}${rest}`;
}

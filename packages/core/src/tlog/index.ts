// The transparency log's pure core (issue 15): hashing, storage layout, proofs, tiles, signed notes, checkpoints.
export { HASH_SIZE, MAX_PROOF_LENGTH, MAX_TREE_SIZE, emptyTreeHash, hashesEqual, leafHash, merkleTreeHash, nodeHash, type LogHash } from './hash.js';
export { createMemoryLog, type MemoryLog } from './memory-log.js';
export { storedHashCount, storedHashIndex, storedHashes, treeHash, type HashReader } from './storage.js';
export { checkRecord, checkTree, proveRecord, proveTree, type LogProof } from './proof.js';
export {
  MAX_ENTRY_SIZE,
  TILE_HEIGHT,
  TILE_WIDTH,
  encodeEntryBundle,
  entriesPath,
  newTiles,
  parseEntryBundle,
  parseTilePath,
  readTileData,
  tileHashIndexes,
  tileHashes,
  tilePath,
  tileWidthAt,
  type Tile,
  type TilePath,
} from './tile.js';
export {
  MAX_NOTE_SIGNATURES,
  MAX_SIGNED_NOTE_SIZE,
  createNoteSigner,
  ed25519KeyPairFromSeed,
  formatVerifierKey,
  openNote,
  parseSignedNote,
  parseVerifierKey,
  signNote,
  type NoteSignature,
  type NoteSigner,
  type NoteVerifier,
  type OpenedNote,
  type ParsedNote,
} from './note.js';
export { formatCheckpoint, openCheckpoint, parseCheckpoint, signCheckpoint, type Checkpoint } from './checkpoint.js';
export { createTileHashReader, splitStoredHashIndex, tileForIndex, type TileFetcher, type TileHashReader } from './tile-reader.js';
export { LOG_EVENTS, MAX_RECORD_SIZE, hiddenRecordHash, hideLogRecord, parseLogRecord, type LogRecord, type LogRecordEvent } from './record.js';
export { checkCosignatures, createCosigner, parseCosignerKey, type CheckedCosignature, type Cosigner, type CosignatureVerifier } from './cosignature.js';

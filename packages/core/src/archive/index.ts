export { ARCHIVE_MTIME, packArchive, sha256Hex, type PackEntry } from './pack.js';
export { inspectArchive, unpackArchive, type ArchiveFile, type ArchiveLimits, type InspectedArchive } from './unpack.js';
export { diffArchives, sameFiles, type ArchiveDiff } from './diff.js';

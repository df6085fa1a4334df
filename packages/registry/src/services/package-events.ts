/** What changed, for the caches and indexes that derive from packages. */
export interface PackageChange {
  org: string;
  name: string;
  packageId: string;
}

/**
 * Called by the services that change a package (publish, yank, deprecation, visibility)
 * after the change is committed; services/index.ts wires it to the sparse
 * index cache and the search index.
 */
export interface PackageEvents {
  changed(change: PackageChange): Promise<void>;
}

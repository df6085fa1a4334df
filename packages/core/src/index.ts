export * from './errors.js';
export * from './names.js';
export * from './versions.js';
export * from './manifest.js';
export * from './api.js';
export * from './docs/index.js';
export * from './archive/index.js';
export * from './source-url.js';

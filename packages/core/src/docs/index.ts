export * from './model.js';
export * from './extract.js';
export * from './markdown.js';
export * from './writers.js';
export * from './parse.js';

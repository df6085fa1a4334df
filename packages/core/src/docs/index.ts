export * from './model.js';
export * from './extract.js';
export * from './markdown.js';
export { HighlightBudget, highlightCode, highlightKestrel, highlightLanguage } from './highlight.js';
export * from './writers.js';
export * from './parse.js';

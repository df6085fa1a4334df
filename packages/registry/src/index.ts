export { loadConfig, type Config, type ConfigOverrides } from './config.js';
export { openRegistry, startServer, createLogger, type Registry, type RunningServer } from './registry.js';
export { createApp } from './app.js';

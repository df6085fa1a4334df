import { decideHeld } from './held.js';
import type { Run } from './types.js';

/** flock approve ORG/NAME@VERSION: publishes a held version. */
export const approve: Run = (args, _options, ctx) => decideHeld(ctx, args[0]!, 'approve');

import { decideHeld } from './held.js';
import type { Run } from './types.js';

/** flock reject ORG/NAME@VERSION: refuses a held version for good. */
export const reject: Run = (args, _options, ctx) => decideHeld(ctx, args[0]!, 'reject');

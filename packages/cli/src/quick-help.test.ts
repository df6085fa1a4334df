import { describe, expect, it } from 'vitest';
import { COMMANDS } from './commands/index.js';
import { quickHelp } from './quick-help.js';

describe('quickHelp', () => {
  it('leaves a help whose descriptions would wrap to commander', () => {
    // At 100 columns commander has more than 40 for descriptions, and the longest summaries need more.
    expect(quickHelp(COMMANDS, 100)).toBeNull();
  });

  it('prints one line per command when nothing wraps: too narrow to wrap (80 columns, as when piped) or wide enough', () => {
    for (const width of [80, 400]) {
      const help = quickHelp(COMMANDS, width)!;
      expect(help.split('\n').filter((line) => line.startsWith('  ')).length).toBe(COMMANDS.length + 3);
    }
  });
});

import { createInterface } from 'node:readline';
import { CliExit } from './context.js';

async function readAll(stream: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** A secret from piped stdin, or typed at a prompt that echoes nothing. */
export async function readSecret(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) return readAll(process.stdin);
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  // readline echoes through _writeToOutput; muting it after the prompt hides what is typed.
  const muted = rl as unknown as { _writeToOutput: (s: string) => void };
  process.stderr.write(prompt);
  muted._writeToOutput = () => {};
  try {
    return await new Promise<string>((resolve, reject) => {
      // In raw mode Ctrl-C is a keypress, not a signal; without these, Ctrl-C or
      // Ctrl-D closes readline and the question never settles.
      rl.once('SIGINT', () => reject(new CliExit('Interrupted', 130)));
      // EOF (Ctrl-D) is an empty answer; the caller says what was missing. After an answer this is a no-op.
      rl.once('close', () => resolve(''));
      rl.question('', resolve);
    });
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

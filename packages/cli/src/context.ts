/** What a command may touch of the outside world; main.ts builds the real one, so commands never read process.* themselves. */
export interface CommandContext {
  cwd: string;
  /** The command's --registry value, when given; it wins over FLOCK_REGISTRY and config.toml. */
  registryFlag?: string;
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  tmpdir: string;
  /** Writes one line to stdout. */
  out(line: string): void;
  /** Writes one line to stderr. */
  err(line: string): void;
  /** Reads a secret: all of stdin when it is piped, else a prompt that does not echo. */
  readSecret(prompt: string): Promise<string>;
  isTerminal: boolean;
  /**
   * Runs `cleanup` (synchronously) if the user presses Ctrl-C, after which the
   * process exits with 130. Returns the function that unregisters it.
   */
  onInterrupt(cleanup: () => void): () => void;
  /** Replaces the progress line on a terminal (absent when stderr is not one); '' clears it. */
  progress?(line: string): void;
}

/** A failure the user can act on: main.ts prints the message alone and exits with the code. */
export class CliExit extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

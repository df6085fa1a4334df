import { runFlock, type RunResult } from './cli.js';

/**
 * Every test that publishes through the real `flock publish` goes through here,
 * so a change to what publishing needs of a project folder (say, a clean git
 * repository with a pushed commit) is made in one place.
 */
export async function publishProject(project: string, env: Record<string, string | undefined>, args: string[] = []): Promise<RunResult> {
  return runFlock(['publish', ...args], { cwd: project, env });
}

import type { Config } from '../config.js';
import { createGithubOAuth, type GithubOAuth } from './github.js';

/** How people sign in on this registry, derived once from the config. */
export interface AuthSettings {
  github: GithubOAuth | null;
  localAccounts: boolean;
  /** Cookies get `Secure` when users reach the registry over https. */
  secureCookies: boolean;
}

export function authSettingsFrom(config: Pick<Config, 'github' | 'localAccounts' | 'publicUrl'>): AuthSettings {
  return {
    github: config.github ? createGithubOAuth(config.github) : null,
    localAccounts: config.localAccounts,
    secureCookies: config.publicUrl.startsWith('https:'),
  };
}

import type { AuditAction } from '../../services/audit.js';

/** What each audit action reads as on the account and org pages; a Record so a new action cannot be forgotten here. */
export const ACTION_LABELS: Record<AuditAction, string> = {
  sign_in: 'Signed in',
  sign_up: 'Signed up',
  sign_out_elsewhere: 'Signed out other browsers',
  'token.create': 'Created token',
  'token.rotate': 'Rotated token',
  'token.revoke': 'Revoked token',
  'device.approve': 'Approved a CLI sign-in',
  'device.deny': 'Denied a CLI sign-in',
  'org.create': 'Created organization',
  'member.add': 'Added member',
  'member.role': 'Changed role',
  'member.remove': 'Removed member',
  'member.leave': 'Left organization',
  publish: 'Published',
  yank: 'Yanked',
  unyank: 'Unyanked',
  deprecate: 'Deprecated',
  undeprecate: 'Undeprecated',
  visibility: 'Changed visibility',
  'trust.add': 'Added trusted publisher',
  'trust.remove': 'Removed trusted publisher',
  settings: 'Changed publishing settings',
  'publish.held': 'Held an unusual publish',
  'publish.approve': 'Approved a held publish',
  'publish.reject': 'Rejected a held publish',
  'store.set': 'Set the Catalog Store',
  'store.remove': 'Removed the Catalog Store',
};

/** An event's action for people; one the map does not know (an older registry's) as stored. */
export function actionLabel(action: string): string {
  return Object.hasOwn(ACTION_LABELS, action) ? ACTION_LABELS[action as AuditAction] : action;
}

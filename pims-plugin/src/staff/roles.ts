/** The roles a person at the practice can have. */
export const ROLES = ['front-desk', 'technician', 'vet', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What each role may do: the only place this is decided. Pages hide what a role cannot do, and
 * every route behind them checks again here, so a hand-made request gets a 403 all the same.
 */
export const PERMISSIONS = {
  /** The imaging board, an order's timeline. */
  'orders.view': ['front-desk', 'technician', 'vet', 'admin'],
  /** Cancel, or correct while scheduled: the front desk made the order and may fix it. */
  'orders.edit': ['front-desk', 'technician', 'vet', 'admin'],
  /** Complete by hand: someone who was at the modality says it was done. */
  'orders.complete': ['technician', 'vet', 'admin'],
  /** The reconciliation queue. */
  'reconcile.view': ['technician', 'vet', 'admin'],
  /** Link a study or a performed step to an order, and undo that. */
  'reconcile.link': ['technician', 'vet', 'admin'],
  /** Agent state, queues, disk; a C-ECHO to a station. */
  'agents.view': ['technician', 'admin'],
  'agents.echo': ['technician', 'admin'],
  /** Registering an agent shows its token: only an administrator. */
  'agents.register': ['admin'],
  'webhooks.view': ['admin'],
  'webhooks.resume': ['admin'],
  'audit.view': ['vet', 'admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

// The navigation of each area, shown in the header for whoever may use it.

import type { Role } from './lib/auth-api.ts';
import type { MessageKey } from './lib/i18n/index.ts';

export interface NavItem {
  href: string;
  label: MessageKey;
  roles: readonly Role[];
}

export const navItems: readonly NavItem[] = [
  { href: '/portal', label: 'app.area.portal', roles: ['customer'] },
  { href: '/portal/properties', label: 'nav.properties', roles: ['customer'] },
  { href: '/portal/tickets', label: 'nav.tickets', roles: ['customer'] },
  { href: '/admin', label: 'app.area.admin', roles: ['admin', 'superuser'] },
  { href: '/admin/approvals', label: 'nav.approvals', roles: ['admin', 'superuser'] },
  { href: '/admin/inventory', label: 'nav.inventory', roles: ['admin', 'superuser'] },
  { href: '/admin/bill-runs', label: 'nav.billRuns', roles: ['admin', 'superuser'] },
  { href: '/admin/bills', label: 'nav.bills', roles: ['admin', 'superuser'] },
  { href: '/admin/defaulters', label: 'nav.defaulters', roles: ['admin', 'superuser'] },
  { href: '/admin/tickets', label: 'nav.queue', roles: ['admin', 'superuser'] },
  { href: '/admin/tariffs', label: 'nav.tariffs', roles: ['admin', 'superuser'] },
  { href: '/admin/regions', label: 'nav.regions', roles: ['admin', 'superuser'] },
  { href: '/admin/accounts', label: 'nav.accounts', roles: ['admin', 'superuser'] },
  { href: '/audit', label: 'nav.audit', roles: ['auditor', 'superuser'] },
];

/** Active when the path is the item or below it, but the area root only for itself. */
export const isActive = (href: string, path: string) =>
  path === href || (href.split('/').length > 2 && path.startsWith(`${href}/`));

// The page table: each path, the component that renders it and who may open
// it. `roles: null` is a public page; signed-in people opening /login go home.

import type { Component } from 'svelte';
import type { Role } from '../lib/auth-api.ts';
import AdminHome from './admin/AdminHome.svelte';
import Approvals from './admin/Approvals.svelte';
import Inventory from './admin/Inventory.svelte';
import Accounts from './admin/Accounts.svelte';
import AdminBills from './admin/AdminBills.svelte';
import AdminTicket from './admin/AdminTicket.svelte';
import AdminTickets from './admin/AdminTickets.svelte';
import BillRun from './admin/BillRun.svelte';
import BillRuns from './admin/BillRuns.svelte';
import Defaulters from './admin/Defaulters.svelte';
import PropertyPayments from './admin/PropertyPayments.svelte';
import Regions from './admin/Regions.svelte';
import Tariffs from './admin/Tariffs.svelte';
import Account from './Account.svelte';
import AuditHome from './audit/AuditHome.svelte';
import Events from './audit/Events.svelte';
import Login from './auth/Login.svelte';
import ResetPassword from './auth/ResetPassword.svelte';
import Signup from './auth/Signup.svelte';
import VerifyEmail from './auth/VerifyEmail.svelte';
import LoginLink from './auth/LoginLink.svelte';
import Bill from './portal/Bill.svelte';
import PortalHome from './portal/PortalHome.svelte';
import Properties from './portal/Properties.svelte';
import Property from './portal/Property.svelte';
import Ticket from './portal/Ticket.svelte';
import Tickets from './portal/Tickets.svelte';

export interface PageRoute {
  path: string;
  // Pages take their route params (or none); Svelte's Component type is invariant in props.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
  component: Component<any>;
  roles: readonly Role[] | null;
  /** Anonymous-only pages send a signed-in person to their home. */
  anonymousOnly?: boolean;
}

const STAFF: Role[] = ['admin', 'superuser'];
const AUDITORS: Role[] = ['auditor', 'superuser'];

export const pages: readonly PageRoute[] = [
  { path: '/login', component: Login, roles: null, anonymousOnly: true },
  { path: '/login/link', component: LoginLink, roles: null },
  { path: '/signup', component: Signup, roles: null, anonymousOnly: true },
  { path: '/verify-email', component: VerifyEmail, roles: null },
  { path: '/password/reset', component: ResetPassword, roles: null },
  { path: '/account', component: Account, roles: ['customer', 'admin', 'superuser', 'auditor'] },
  { path: '/portal', component: PortalHome, roles: ['customer'] },
  { path: '/portal/properties', component: Properties, roles: ['customer'] },
  { path: '/portal/properties/:propertyId', component: Property, roles: ['customer'] },
  { path: '/portal/bills/:billId', component: Bill, roles: ['customer'] },
  { path: '/portal/tickets', component: Tickets, roles: ['customer'] },
  { path: '/portal/tickets/:ticketId', component: Ticket, roles: ['customer'] },
  { path: '/admin', component: AdminHome, roles: STAFF },
  { path: '/admin/approvals', component: Approvals, roles: STAFF },
  { path: '/admin/inventory', component: Inventory, roles: STAFF },
  { path: '/admin/tariffs', component: Tariffs, roles: STAFF },
  { path: '/admin/bill-runs', component: BillRuns, roles: STAFF },
  { path: '/admin/bill-runs/:runId', component: BillRun, roles: STAFF },
  { path: '/admin/bills', component: AdminBills, roles: STAFF },
  { path: '/admin/properties/:propertyId/payments', component: PropertyPayments, roles: STAFF },
  { path: '/admin/defaulters', component: Defaulters, roles: STAFF },
  { path: '/admin/tickets', component: AdminTickets, roles: STAFF },
  { path: '/admin/tickets/:ticketId', component: AdminTicket, roles: STAFF },
  { path: '/admin/accounts', component: Accounts, roles: STAFF },
  { path: '/admin/regions', component: Regions, roles: STAFF },
  { path: '/audit', component: AuditHome, roles: AUDITORS },
  { path: '/audit/events', component: Events, roles: AUDITORS },
];

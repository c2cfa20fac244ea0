// Every event catalog in the system, in one list: the events document is
// rendered from it, and tools that need to know every event type start here.

import { checkpointEvents } from './audit/events.ts';
import { accountEvents } from './domain/account/events.ts';
import { emailReservationEvents, usernameReservationEvents } from './domain/account/reservation.ts';
import { billEvents } from './domain/billing/events.ts';
import { meterBillingEvents } from './domain/billing/meterbilling/events.ts';
import { billRunEvents } from './domain/billrun/events.ts';
import { gatewayEvents } from './domain/gateway/events.ts';
import { meterEvents } from './domain/meter/events.ts';
import { meterSerialEvents } from './domain/meter/serial.ts';
import { propertyEvents } from './domain/property/events.ts';
import { receivableEvents } from './domain/receivable/events.ts';
import { regionEvents } from './domain/region/events.ts';
import type { EventCatalog } from './domain/shared/events.ts';
import { tariffEvents } from './domain/tariff/events.ts';
import { ticketEvents } from './domain/ticket/events.ts';

export const allEventCatalogs: EventCatalog[] = [
  accountEvents,
  usernameReservationEvents,
  emailReservationEvents,
  regionEvents,
  propertyEvents,
  gatewayEvents,
  meterEvents,
  meterSerialEvents,
  tariffEvents,
  billEvents,
  meterBillingEvents,
  billRunEvents,
  receivableEvents,
  ticketEvents,
  checkpointEvents,
];

// The resource API as one plugin: decorates `app.api` (read database,
// read-your-writes, payment providers, audit runner) and registers every
// resource route with zod validation and serialisation. buildApp registers it
// after authentication, whose session loader, CSRF and rate limits it uses.

import type { FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { TestPaymentProvider } from '../../payments/test-provider.ts';
import { adminInventoryRoutes } from './admin-inventory.ts';
import { adminMoneyRoutes } from './admin-money.ts';
import { adminPeopleRoutes } from './admin-people.ts';
import { adminPropertyRoutes } from './admin-properties.ts';
import { adminRegionRoutes } from './admin-regions.ts';
import { adminTariffRoutes } from './admin-tariffs.ts';
import type { ApiOptions } from './api-support.ts';
import { auditorRoutes } from './auditor.ts';
import { billRoutes } from './bills.ts';
import { liveRoutes } from './live.ts';
import { meterRoutes } from './meters.ts';
import { paymentRoutes } from './payments.ts';
import { propertyRoutes } from './properties.ts';
import { tenancyRoutes } from './tenancy.ts';
import { testCheckoutRoutes } from './test-checkout.ts';
import { ticketRoutes } from './tickets.ts';

export type { ApiOptions };

const isTestProvider = (p: ApiOptions['payments'][number]): p is TestPaymentProvider =>
  p.name === 'test' && 'complete' in p;

export async function apiRoutes(app: FastifyInstance, options: ApiOptions): Promise<void> {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('api', options);
  await app.register(propertyRoutes);
  await app.register(tenancyRoutes);
  await app.register(meterRoutes);
  await app.register(billRoutes);
  await app.register(paymentRoutes);
  await app.register(ticketRoutes);
  await app.register(adminPropertyRoutes);
  await app.register(adminInventoryRoutes);
  await app.register(adminRegionRoutes);
  await app.register(adminTariffRoutes);
  await app.register(adminMoneyRoutes);
  await app.register(adminPeopleRoutes);
  await app.register(auditorRoutes);
  await app.register(liveRoutes);
  const testProvider = options.payments.find(isTestProvider);
  if (testProvider) await app.register(testCheckoutRoutes, { provider: testProvider });
}

// The utility's journey across portal and dashboard in Chromium, against a
// real server: a customer adds a property; the first superuser (from the
// bootstrap link) provisions a gateway and a meter and approves the property
// with them; a tenant is invited, accepts, sees the owner's card and leaves;
// a ticket is opened, resolved by the admin and seen resolved; a tariff is
// published; the meter (a simulated device talking to a real gateway over
// WebSocket) answers a bill run watched live; the customer opens the bill,
// downloads its PDF and pays it through the test provider's checkout.
// Screenshots of each main page.

import { getPublicKey, etc, utils } from '@noble/secp256k1';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../devices/fleet.ts';
import { bootstrapAdmin } from '../../src/cli/bootstrap-admin.ts';
import { runGateway, type RunningGateway } from '../../src/iot/gateway/run-gateway.ts';
import {
  ensureUiBuild,
  launchBrowser,
  screenshot,
  signIn,
  signUp,
  startLedger,
  type Ledger,
  type Person,
} from './harness.ts';
import {
  auditProgressSeen,
  markPage,
  pageKept,
  pixelsOfColour,
  recordAuditProgress,
} from './probes.ts';

const gatewayKey = utils.randomSecretKey();
const meterKey = utils.randomSecretKey();

describe('utility journey in Chromium', () => {
  let ledger: Ledger;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let owner: Page;
  let admin: Page;
  let tenant: Page;
  let gateway: RunningGateway | null = null;
  let fleet: Fleet | null = null;

  const newPage = async (width = 1280) => {
    const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'en-IN' });
    context.setDefaultTimeout(10_000);
    contexts.push(context);
    return context.newPage();
  };

  beforeAll(async () => {
    ensureUiBuild();
    ledger = await startLedger();
    browser = await launchBrowser();
    owner = await newPage(390);
    admin = await newPage();
    tenant = await newPage(390);
  }, 180_000);

  afterAll(async () => {
    await fleet?.stop();
    await gateway?.close();
    await browser?.close();
    await ledger?.close();
  });

  const ravi: Person = {
    name: 'Ravi Kumar',
    username: 'ravi',
    email: 'ravi@example.in',
    mobile: '9812345670',
    password: 'kaveri-river-2026',
  };
  const meena: Person = {
    name: 'Meena Iyer',
    username: 'meena',
    email: 'meena@example.in',
    mobile: '9812345671',
    password: 'nilgiri-tea-2026',
  };

  it('a customer signs up, signs in and adds a property that waits for approval', async () => {
    await signUp(owner, ledger.url, ravi);
    await signIn(owner, ledger.url, ravi);
    await owner.getByRole('link', { name: /My properties/ }).click();
    await owner.getByText('You have no properties yet').waitFor();
    await owner.getByLabel('House no.').fill('12');
    await owner.getByLabel('Street').fill('MG Road');
    await owner.getByLabel('City').fill('Bengaluru');
    await owner.getByLabel('State').fill('Karnataka');
    await owner.getByLabel('PIN code').fill('560001');
    await owner.getByRole('button', { name: 'Add property' }).click();
    await owner.getByText('waiting for approval').waitFor();
    await screenshot(owner, 'portal-properties');
  });

  it('the bootstrap superuser signs in with the one-time link and sees the overview', async () => {
    const { auth } = ledger.deps;
    const { link } = await bootstrapAdmin(
      {
        store: ledger.opened.store,
        vault: auth.vault,
        lookupKey: auth.lookupKey,
        kv: auth.kv,
        publicUrl: auth.publicUrl,
      },
      {
        username: 'chief',
        email: 'chief@utility.example.in',
        mobile: '9000000001',
        name: 'Chief Admin',
      },
      new Date(),
    );
    await admin.goto(link);
    await admin.getByRole('heading', { name: 'Dashboard' }).waitFor();
    const overview = admin.getByTestId('overview');
    await expect.poll(() => overview.locator('li').first().textContent()).toContain('1');
    await screenshot(admin, 'admin-overview');
  });

  it('the admin sets up the state and its city with their PIN codes', async () => {
    await admin.goto(`${ledger.url}/admin/regions`);
    await admin.getByText('No states yet. Add the first one below.').waitFor();
    await admin.getByLabel('State code (2 letters)').fill('ka');
    await admin.getByLabel('State name').fill('Karnataka');
    await admin.getByRole('button', { name: 'Add state' }).click();
    await admin.getByRole('heading', { name: 'Karnataka (KA)' }).waitFor();
    await admin.locator('#city-name').fill('Bengaluru');
    await admin.getByLabel('First PIN code').fill('560100');
    await admin.getByLabel('Last PIN code').fill('560001');
    await admin.getByRole('button', { name: 'Add city' }).click();
    await admin.getByText('The first PIN code must not be above the last.').waitFor();
    await admin.getByLabel('First PIN code').fill('560001');
    await admin.getByLabel('Last PIN code').fill('560100');
    await admin.getByRole('button', { name: 'Add city' }).click();
    await admin.getByTestId('cities').getByText('560001–560100').waitFor();
    await admin.getByTestId('states').getByText('Cities: 1').waitFor();
  });

  it('the admin provisions a gateway and a meter for the area and approves the property with them', async () => {
    await admin.goto(`${ledger.url}/admin/inventory`);
    await admin
      .getByLabel('Public key (66 hex characters, from the provisioning tool)')
      .first()
      .fill('not-a-key');
    await admin.getByRole('button', { name: 'Add gateway' }).click();
    await admin.getByText('A public key is 66 hex characters starting 02 or 03.').first().waitFor();

    await admin.locator('#gw-name').fill('Bengaluru Central');
    await admin.locator('#gw-city').fill('Bengaluru');
    await admin.locator('#gw-state').fill('Karnataka');
    await admin.locator('#gw-pincode').fill('560001');
    await admin.locator('#gw-key').fill(etc.bytesToHex(getPublicKey(gatewayKey, true)));
    await admin.getByRole('button', { name: 'Add gateway' }).click();
    await admin.getByRole('cell', { name: 'Bengaluru Central' }).waitFor();
    await admin.locator('#meter-serial').fill('KA-0001');
    await admin.locator('#meter-key').fill(etc.bytesToHex(getPublicKey(meterKey, true)));
    await admin.getByRole('button', { name: 'Add meter' }).click();
    await admin.getByRole('cell', { name: 'KA-0001' }).waitFor();
    await screenshot(admin, 'admin-inventory');

    await admin.goto(`${ledger.url}/admin/approvals`);
    await admin.getByText('12, MG Road').waitFor();
    await screenshot(admin, 'admin-approvals');
    await admin.getByRole('button', { name: 'Approve and assign meter' }).click();
    await admin.getByText('No property is waiting for approval.').waitFor();
  });

  it('the owner sees the property approved with its meter', async () => {
    await owner.goto(`${ledger.url}/portal/properties`);
    await owner.getByText('approved', { exact: true }).waitFor();
    await owner.getByRole('link', { name: /Residential, Bengaluru/ }).click();
    await owner.getByText('KA-0001').waitFor();
    await screenshot(owner, 'portal-property');
  });

  it('a tenant is invited, accepts, sees the owner’s contact card and leaves', async () => {
    await signUp(tenant, ledger.url, meena);
    await signIn(tenant, ledger.url, meena);

    await owner.getByLabel("Tenant's username").fill(meena.username);
    await owner.getByLabel("Tenant's mobile").fill(meena.mobile);
    await owner.getByRole('button', { name: 'Send invitation' }).click();
    await owner.getByText(/Invitation waiting for an answer/).waitFor();

    await tenant.goto(`${ledger.url}/portal/properties`);
    await tenant.getByText(/Ravi Kumar invites you as tenant/).waitFor();
    await tenant.getByRole('button', { name: 'Accept' }).click();
    await tenant.getByText('tenant', { exact: true }).waitFor();
    await tenant.getByRole('link', { name: /Residential, Bengaluru/ }).click();
    await tenant.getByTestId('contact-ravi').waitFor();
    expect(await tenant.getByTestId('contact-ravi').textContent()).toContain('ravi@example.in');
    await screenshot(tenant, 'portal-tenancy');

    tenant.once('dialog', (dialog) => void dialog.accept());
    await tenant.getByRole('button', { name: 'Leave this property' }).click();
    await tenant.waitForURL(/\/portal\/properties$/);
    await tenant.getByText('You have no properties yet').waitFor();
  });

  it('an invitation can be declined, and the owner can remove a tenant', async () => {
    const invite = async () => {
      await owner.goto(`${ledger.url}/portal/properties`);
      await owner.getByRole('link', { name: /Residential, Bengaluru/ }).click();
      await owner.getByLabel("Tenant's username").fill(meena.username);
      await owner.getByLabel("Tenant's mobile").fill(meena.mobile);
      await owner.getByRole('button', { name: 'Send invitation' }).click();
      await owner.getByText(/Invitation waiting for an answer/).waitFor();
    };
    await invite();
    await tenant.goto(`${ledger.url}/portal/properties`);
    await tenant.getByRole('button', { name: 'Decline' }).click();
    await tenant.getByText('Invitation declined.').waitFor();
    expect(await tenant.getByRole('button', { name: 'Accept' }).count()).toBe(0);

    await invite();
    await tenant.reload();
    await tenant.getByRole('button', { name: 'Accept' }).click();
    await tenant.getByText('tenant', { exact: true }).waitFor();
    await owner.reload();
    await owner.getByTestId('contact-meena').waitFor();
    owner.once('dialog', (dialog) => void dialog.accept());
    await owner.getByRole('button', { name: 'Remove tenant' }).click();
    await owner.getByText('Tenant removed.').waitFor();
    await owner.getByText('No tenant.').waitFor();
    await tenant.reload();
    await tenant.getByText('You have no properties yet').waitFor();
  });

  it('a ticket is opened by the customer, resolved by the admin and seen resolved', async () => {
    await owner.goto(`${ledger.url}/portal/tickets`);
    await owner.getByRole('button', { name: 'Open ticket' }).click();
    await owner.getByText('Please fill this in.').first().waitFor();
    await owner.getByLabel('Subject').fill('Meter display is blank');
    await owner.getByLabel('What happened?').fill('Since Monday the meter shows nothing.');
    await owner.getByRole('button', { name: 'Open ticket' }).click();
    await owner.getByRole('link', { name: 'Meter display is blank' }).waitFor();

    await admin.goto(`${ledger.url}/admin/tickets`);
    await admin.getByRole('link', { name: 'Meter display is blank' }).click();
    await admin.getByRole('button', { name: 'Acknowledge' }).click();
    await admin.getByText('acknowledged', { exact: true }).waitFor();
    await admin.getByRole('button', { name: 'Assign to me' }).click();
    await admin.getByText('assigned', { exact: true }).waitFor();
    await admin.getByLabel('Resolution').fill('Display board replaced on site.');
    await admin.getByRole('button', { name: 'Resolve' }).click();
    await admin.getByText('Display board replaced on site.').waitFor();
    await screenshot(admin, 'admin-ticket');

    await owner.getByRole('link', { name: 'Meter display is blank' }).click();
    await owner.getByTestId('resolution').waitFor();
    expect(await owner.getByTestId('resolution').textContent()).toContain('Display board replaced');
    await owner.getByLabel('Why is it not solved?').fill('The display went blank again tonight.');
    await owner.getByRole('button', { name: 'Reopen ticket' }).click();
    await owner.getByText('reopened', { exact: true }).waitFor();
    await owner
      .getByRole('textbox', { name: 'Add a comment' })
      .fill('Photo of the display is on its way.');
    await owner.getByRole('button', { name: 'Send' }).click();
    await owner.getByText('Photo of the display is on its way.').waitFor();
  });

  it('the admin edits a tariff with a live preview and publishes it', async () => {
    await admin.goto(`${ledger.url}/admin/tariffs`);
    await admin.getByText('No version published yet').waitFor();
    await admin.getByLabel('Units consumed (kWh)').fill('250');
    await expect.poll(() => admin.getByTestId('preview-total').textContent()).toBe('₹1,152.50');
    await admin.getByLabel('Slab 2: up to (kWh, blank = no limit)').fill('50');
    await admin
      .getByTestId('tariff-validity')
      .getByText(/toWh must be greater/)
      .waitFor();
    expect(await admin.getByRole('button', { name: 'Publish version 1' }).isDisabled()).toBe(true);
    await admin.getByLabel('Slab 2: up to (kWh, blank = no limit)').fill('300');
    // The first version may start in the past, so last month's bills use it.
    await admin.getByLabel('Effective from').fill('2025-01-01');
    await screenshot(admin, 'admin-tariffs');
    await admin.getByRole('button', { name: 'Publish version 1' }).click();
    await admin.getByRole('cell', { name: 'v1' }).waitFor();
  });

  it('the installed meter connects to its gateway and sends signed readings', async () => {
    const db = ledger.opened.db;
    const { rows: gateways } = await db.query<{ id: string }>(
      `SELECT gateway_id AS id FROM read.gateways WHERE name = 'Bengaluru Central'`,
    );
    const { rows: meters } = await db.query<{ id: string }>(
      `SELECT meter_id AS id FROM read.meters WHERE serial = 'KA-0001'`,
    );
    gateway = await runGateway(
      {
        gatewayId: gateways[0]!.id,
        gatewayPrivateKey: gatewayKey,
        host: '127.0.0.1',
        port: 0,
        verifyWorkers: 1,
      },
      { store: ledger.opened.store },
    );
    fleet = Fleet.start({
      url: gateway.url!,
      meters: [
        {
          identity: {
            meterId: meters[0]!.id,
            privateKey: meterKey,
            gatewayPublicKey: getPublicKey(gatewayKey, true),
          },
          profile: 'residential',
          startWh: 1_250_000,
          lastSeq: 0,
          // A busy shop's worth of load, so the seconds of this test show up as units on the bill.
          scale: 50_000,
        },
      ],
    });
    await fleet.waitConnected();
    fleet.meters[0]!.sendReading();
    await owner.goto(`${ledger.url}/portal/properties`);
    await owner.getByRole('link', { name: /Residential, Bengaluru/ }).click();
    await owner.getByTestId('readings').waitFor({ timeout: 20_000 });
  });

  it('the admin starts a bill run, watches it live and the meter is billed', async () => {
    await admin.goto(`${ledger.url}/admin/bill-runs`);
    await admin.getByLabel('Meters have this long to answer').selectOption('15');
    await admin.getByRole('button', { name: 'Start bill run' }).click();
    await admin.waitForURL(/\/admin\/bill-runs\/[0-9a-f-]{36}$/);
    await admin.getByText('running', { exact: true }).waitFor();
    await screenshot(admin, 'admin-bill-run');
    // The run closes at its deadline and bills what the meter answered.
    await admin.getByText('1 of 1 meters billed').waitFor({ timeout: 40_000 });
    await admin.getByText('Every meter was billed.').waitFor();
  }, 60_000);

  it('the customer sees the bill, downloads its PDF and pays it', async () => {
    await owner.goto(`${ledger.url}/portal/properties`);
    await owner.getByRole('link', { name: /Residential, Bengaluru/ }).click();
    await owner.getByRole('link', { name: /View bill/ }).click();
    await owner.getByTestId('bill-lines').waitFor();
    expect(await owner.getByTestId('bill-status').textContent()).toContain('due');
    expect(await owner.getByTestId('bill-total').textContent()).toMatch(/^₹[\d,]+\.\d{2}$/);
    expect(await owner.getByTestId('bill-lines').textContent()).toContain('Energy slab');
    await screenshot(owner, 'portal-bill');

    const [download] = await Promise.all([
      owner.waitForEvent('download'),
      owner.getByRole('link', { name: 'Download PDF' }).click(),
    ]);
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).subarray(0, 5).toString()).toBe('%PDF-');

    await owner.getByRole('button', { name: 'Pay this bill' }).click();
    await owner.getByRole('heading', { name: 'Test payment gateway' }).waitFor();
    await owner.getByRole('button', { name: 'Pay', exact: true }).click();
    await owner.getByText('Thank you. Your payment is being recorded').waitFor();
    await expect
      .poll(async () => {
        await owner.reload();
        return owner.getByTestId('bill-status').textContent();
      })
      .toContain('paid');
    expect(await owner.getByRole('button', { name: 'Pay this bill' }).count()).toBe(0);
    await owner.getByRole('link', { name: '← Back to the property' }).click();
    await owner.getByTestId('payments').waitFor();
    expect(await owner.getByTestId('balance').textContent()).toContain('₹0.00');
    await screenshot(owner, 'portal-payments');
  });

  it('the property page draws the consumption chart from the signed readings', async () => {
    const section = owner.getByRole('region', { name: 'Consumption' });
    const canvas = section.locator('canvas');
    await canvas.waitFor();
    // The bars are Chart.js's fill colour (#0b5cad): count the canvas pixels painted with it.
    expect(await pixelsOfColour(canvas, [11, 92, 173])).toBeGreaterThan(50);
    // The same figures as a table, for screen readers: some day used energy.
    const figures = await section.locator('details td.num').allTextContents();
    expect(figures.some((f) => /[1-9]/.test(f))).toBe(true);
  });

  it('the admin sees the bill, nobody overdue, revenue billed all collected, and makes a customer an auditor', async () => {
    await admin.goto(`${ledger.url}/admin/bills`);
    await admin.getByTestId('admin-bills').waitFor();
    expect(await admin.getByTestId('admin-bills').locator('tbody tr').count()).toBe(1);
    await admin.goto(`${ledger.url}/admin/defaulters`);
    await admin.getByText('Nobody is overdue.').waitFor();
    await admin.goto(`${ledger.url}/admin`);
    const revenue = admin.getByTestId('revenue').locator('.stat');
    await revenue.first().waitFor();
    const [billed, collected, overdue] = await revenue.allTextContents();
    expect(billed).toMatch(/^₹[\d,]+\.\d{2}$/);
    expect(collected).toBe(billed);
    expect(overdue).toBe('₹0.00');
    await admin.goto(`${ledger.url}/admin/accounts`);
    const meenaRow = admin.getByTestId('accounts').getByRole('row').filter({ hasText: 'meena' });
    await meenaRow.getByRole('button', { name: 'make auditor' }).click();
    await admin.getByText('meena is now auditor.').waitFor();
    await meenaRow.getByText('customer, auditor').waitFor();
    await screenshot(admin, 'admin-people');
  });

  it('the superuser, as auditor, browses the log and verifies the whole ledger', async () => {
    await admin.goto(`${ledger.url}/audit`);
    await admin.getByRole('link', { name: 'Browse the event log' }).click();
    await admin.getByTestId('events').getByText('PropertyApproved').first().waitFor();
    await admin.getByRole('link', { name: 'Audit', exact: true }).first().click();
    // The run may be quick: record every check's progress bar as the page shows it.
    await recordAuditProgress(admin);
    await admin.getByRole('button', { name: 'Run verification' }).click();
    const report = admin.getByTestId('audit-report');
    await report.waitFor({ timeout: 30_000 });
    const progress = Object.keys(await auditProgressSeen(admin));
    expect(progress.some((label) => label.startsWith('hash chains intact'))).toBe(true);
    expect(progress.length).toBeGreaterThan(3);
    await screenshot(admin, 'audit-report');
    expect(await report.getByRole('heading', { level: 3 }).count()).toBeGreaterThan(3);
    expect(await report.getByRole('heading', { level: 2 }).textContent()).toContain('pass');
  }, 60_000);

  it('the admin records a counter payment by UPI and the open property page shows the credit live', async () => {
    // The owner's property page stays open from the payment above; a marker shows it is never reloaded.
    await owner.getByTestId('payments').waitFor();
    await markPage(owner);
    const { rows } = await ledger.opened.db.query<{ id: string }>(
      `SELECT property_id AS id FROM read.properties LIMIT 1`,
    );
    await admin.goto(`${ledger.url}/admin/properties/${rows[0]!.id}/payments`);
    await admin.getByTestId('admin-balance').waitFor();
    await admin.getByLabel('Method').selectOption('upi');
    await admin.getByLabel('Amount (₹)').fill('500');
    await admin.getByLabel('Receipt number').fill('CTR-0001');
    await admin.getByLabel('UPI transaction reference').fill('ab');
    await admin.getByRole('button', { name: 'Record payment' }).click();
    await admin.getByText('Enter the UPI reference: 6 to 35 letters or digits.').waitFor();
    await admin.getByLabel('UPI transaction reference').fill('UTR20261127001');
    await admin.getByRole('button', { name: 'Record payment' }).click();
    await admin.getByRole('cell', { name: '₹500.00' }).waitFor();
    await screenshot(admin, 'admin-payments');

    // The customer live feed reports the payment and the page reloads its payments section.
    await owner.getByTestId('balance').getByText('In credit').waitFor();
    expect(await pageKept(owner)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { en } from '../../ui/src/lib/i18n/en.ts';
import { hasMessage, t, tr } from '../../ui/src/lib/i18n/index.ts';

describe('messages', () => {
  it('fills placeholders and leaves unknown ones visible rather than blank', () => {
    expect(t('portal.welcome', { name: 'Asha' })).toBe('Hello, Asha');
    expect(t('portal.welcome')).toBe('Hello, {name}');
    expect(t('billRuns.billedOf', { billed: 3, total: 10 })).toBe('3 of 10 meters billed');
  });

  it('translates server values it knows and shows the raw value for new ones', () => {
    expect(tr('tickets.status', 'assigned')).toBe('assigned');
    expect(tr('tickets.category', 'disconnection')).toBe('Disconnection');
    expect(tr('tickets.status', 'escalated')).toBe('escalated');
    expect(hasMessage('errors.NOT_A_CODE')).toBe(false);
  });

  it('has no empty message and no key defined twice across the area modules', async () => {
    for (const [key, text] of Object.entries(en)) expect(text.trim(), key).not.toBe('');
    const { enAdmin } = await import('../../ui/src/lib/i18n/en-admin.ts');
    const { enPortal } = await import('../../ui/src/lib/i18n/en-portal.ts');
    const overlap = Object.keys(enAdmin).filter((key) => key in enPortal);
    expect(overlap).toEqual([]);
  });
});

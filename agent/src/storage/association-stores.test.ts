import { describe, expect, it } from 'vitest';
import { AssociationStores } from './association-stores.js';

describe('AssociationStores', () => {
  it('sums an association’s answers by outcome, counting bytes of what was stored', () => {
    const stores = new AssociationStores();
    stores.callingAe = 'CT1';
    stores.count('stored', 1000);
    stores.count('stored', 500);
    stores.count('conflict', 200);
    stores.count('duplicate', 1000);
    stores.count('refused', 0);
    const summary = stores.takeSummary();
    expect(summary).toMatchObject({
      callingAe: 'CT1',
      stored: 2,
      conflict: 1,
      duplicate: 1,
      refused: 1,
      failed: 0,
      bytes: 1700,
    });
    expect(summary!.seconds).toBeGreaterThanOrEqual(0);
  });

  it('gives its summary once, and none for an association that stored nothing', () => {
    const stores = new AssociationStores();
    expect(stores.takeSummary()).toBeUndefined();
    stores.count('failed', 0);
    expect(stores.takeSummary()?.failed).toBe(1);
    // `closed` may be called twice (an abort, then the socket's close): one line, not two.
    expect(stores.takeSummary()).toBeUndefined();
  });
});

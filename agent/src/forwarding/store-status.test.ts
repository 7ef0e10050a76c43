import { describe, expect, it } from 'vitest';
import { classifyStoreStatus, hexStatus } from './store-status.js';

describe('reading a PACS C-STORE status', () => {
  it('counts success and the storage warnings as forwarded', () => {
    expect(classifyStoreStatus(0x0000)).toBe('success');
    for (const s of [0xb000, 0xb007, 0xb006, 0x0107]) expect(classifyStoreStatus(s)).toBe('warning');
  });

  it('retries refusals and out-of-resources', () => {
    for (const s of [0xa700, 0xa900, 0xc000, 0xc123, 0x0110, 0x0211, 0xfe00])
      expect(classifyStoreStatus(s)).toBe('failure');
  });

  it('prints statuses as four hex digits', () => {
    expect(hexStatus(0xb007)).toBe('B007');
    expect(hexStatus(0x0)).toBe('0000');
    expect(hexStatus(0xa700)).toBe('A700');
  });
});

/** How the forwarder reads a PACS's C-STORE status. */
export type StoreVerdict = 'success' | 'warning' | 'failure';

/**
 * 0000 is success. Warnings (B000 coercion of data elements, B007 data set does not match SOP
 * class, B006 elements discarded, and the general 0001/0107/0116) mean the PACS kept the object:
 * it counts as forwarded, with the warning recorded. Everything else (Axxx out of resources,
 * Cxxx cannot understand, 01xx/02xx refusals, FE00 cancel) is a failure to retry.
 */
export function classifyStoreStatus(status: number): StoreVerdict {
  if (status === 0x0000) return 'success';
  if ((status & 0xf000) === 0xb000) return 'warning';
  if (status === 0x0001 || status === 0x0107 || status === 0x0116) return 'warning';
  return 'failure';
}

export function hexStatus(status: number): string {
  return (status & 0xffff).toString(16).toUpperCase().padStart(4, '0');
}

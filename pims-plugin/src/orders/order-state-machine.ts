import type { OrderStatus } from './order-dto.js';

/** What can happen to an order, from the PIMS, a modality, or time. */
export type OrderEvent =
  | { kind: 'cancel' }
  | { kind: 'step-started' }
  | { kind: 'step-completed' }
  | { kind: 'step-discontinued'; wrongWorklistEntry: boolean }
  | { kind: 'complete-manually' };

/**
 * The order's life (docs/api.md, "Orders"): scheduled → in_progress → completed | discontinued, cancelled
 * before acquisition. Returns the next status, the same status for a harmless repeat (a modality
 * resending, a second MPPS appending to a completed order), or null when the event is refused.
 */
export function nextOrderStatus(current: OrderStatus, event: OrderEvent): OrderStatus | null {
  switch (event.kind) {
    case 'cancel':
      if (current === 'scheduled' || current === 'cancelled') return 'cancelled';
      return null;
    case 'step-started':
      if (current === 'scheduled') return 'in_progress';
      // Started again (a second MPPS for the same order, or a resend): nothing changes.
      if (current === 'in_progress' || current === 'completed') return current;
      return null;
    case 'step-completed':
      if (current === 'scheduled' || current === 'in_progress') return 'completed';
      if (current === 'completed') return current;
      return null;
    case 'step-discontinued':
      // "Incorrect worklist entry selected" (DCM 110514): the technician picked the wrong patient;
      // the order was never really done, so it goes back to the worklist.
      if (event.wrongWorklistEntry)
        return current === 'in_progress' || current === 'scheduled' ? 'scheduled' : null;
      if (current === 'scheduled' || current === 'in_progress') return 'discontinued';
      if (current === 'discontinued') return current;
      return null;
    case 'complete-manually':
      if (current === 'scheduled' || current === 'in_progress') return 'completed';
      if (current === 'completed') return current;
      return null;
  }
}

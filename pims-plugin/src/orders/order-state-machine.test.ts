import { describe, expect, it } from 'vitest';
import { orderStatus, type OrderStatus } from './order-dto.js';
import { ORDER_STATUSES } from '../db/schema.js';
import { nextOrderStatus, type OrderEvent } from './order-state-machine.js';

const started: OrderEvent = { kind: 'step-started' };
const completed: OrderEvent = { kind: 'step-completed' };
const discontinued: OrderEvent = { kind: 'step-discontinued', wrongWorklistEntry: false };
const wrongEntry: OrderEvent = { kind: 'step-discontinued', wrongWorklistEntry: true };
const cancel: OrderEvent = { kind: 'cancel' };
const byHand: OrderEvent = { kind: 'complete-manually' };

/**
 * Every status × every event: the next status, the same status for a harmless repeat, or null
 * when the event is refused (the API answers 409, a modality's message is recorded and ignored).
 */
const table: Record<OrderStatus, [OrderEvent, OrderStatus | null][]> = {
  scheduled: [
    [cancel, 'cancelled'],
    [started, 'in_progress'],
    [completed, 'completed'],
    [discontinued, 'discontinued'],
    [wrongEntry, 'scheduled'],
    [byHand, 'completed'],
  ],
  in_progress: [
    [cancel, null],
    [started, 'in_progress'],
    [completed, 'completed'],
    [discontinued, 'discontinued'],
    [wrongEntry, 'scheduled'],
    [byHand, 'completed'],
  ],
  completed: [
    [cancel, null],
    [started, 'completed'],
    [completed, 'completed'],
    [discontinued, null],
    [wrongEntry, null],
    [byHand, 'completed'],
  ],
  discontinued: [
    [cancel, null],
    [started, null],
    [completed, null],
    [discontinued, 'discontinued'],
    [wrongEntry, null],
    [byHand, null],
  ],
  cancelled: [
    [cancel, 'cancelled'],
    [started, null],
    [completed, null],
    [discontinued, null],
    [wrongEntry, null],
    [byHand, null],
  ],
};

const cases = Object.entries(table).flatMap(([from, rows]) =>
  rows.map(([event, to]) => [from as OrderStatus, event, to] as const),
);

describe('order state machine', () => {
  it.each(cases)('%s + %o → %s', (from, event, to) => {
    expect(nextOrderStatus(from, event)).toBe(to);
  });

  it('is tested for every status and every kind of event', () => {
    expect(Object.keys(table).sort()).toEqual([...orderStatus.options].sort());
    const kinds = new Set(cases.map(([, e]) => JSON.stringify(e)));
    expect(kinds.size).toBe(6);
    expect(cases).toHaveLength(orderStatus.options.length * kinds.size);
  });

  it('has the statuses the orders table holds', () => {
    expect([...ORDER_STATUSES].sort()).toEqual([...orderStatus.options].sort());
  });
});

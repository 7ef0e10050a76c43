import { describe, expect, it } from 'vitest';
import type { OrderStatus } from '@lightbox/protocol';
import { nextOrderStatus, type OrderEvent } from './order-state-machine.js';

const cases: [OrderStatus, OrderEvent, OrderStatus | null][] = [
  ['scheduled', { kind: 'cancel' }, 'cancelled'],
  ['cancelled', { kind: 'cancel' }, 'cancelled'],
  ['in_progress', { kind: 'cancel' }, null],
  ['completed', { kind: 'cancel' }, null],
  ['scheduled', { kind: 'step-started' }, 'in_progress'],
  ['in_progress', { kind: 'step-started' }, 'in_progress'],
  ['completed', { kind: 'step-started' }, 'completed'],
  ['cancelled', { kind: 'step-started' }, null],
  ['in_progress', { kind: 'step-completed' }, 'completed'],
  ['scheduled', { kind: 'step-completed' }, 'completed'],
  ['completed', { kind: 'step-completed' }, 'completed'],
  ['discontinued', { kind: 'step-completed' }, null],
  ['in_progress', { kind: 'step-discontinued', wrongWorklistEntry: false }, 'discontinued'],
  ['in_progress', { kind: 'step-discontinued', wrongWorklistEntry: true }, 'scheduled'],
  ['completed', { kind: 'step-discontinued', wrongWorklistEntry: false }, null],
  ['cancelled', { kind: 'step-discontinued', wrongWorklistEntry: true }, null],
  ['in_progress', { kind: 'complete-manually' }, 'completed'],
  ['discontinued', { kind: 'complete-manually' }, null],
];

describe('order state machine', () => {
  it.each(cases)('%s + %o → %s', (from, event, to) => {
    expect(nextOrderStatus(from, event)).toBe(to);
  });
});

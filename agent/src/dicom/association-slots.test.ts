import { describe, expect, it } from 'vitest';
import { AssociationSlots } from './association-slots.js';

describe('AssociationSlots', () => {
  it('gives out at most max places and takes them back', () => {
    const slots = new AssociationSlots(2);
    expect(slots.tryTake()).toBe(true);
    expect(slots.tryTake()).toBe(true);
    expect(slots.tryTake()).toBe(false);
    slots.release();
    expect(slots.inUse).toBe(1);
    expect(slots.tryTake()).toBe(true);
  });

  it('never counts below zero', () => {
    const slots = new AssociationSlots(1);
    slots.release();
    expect(slots.inUse).toBe(0);
    expect(slots.tryTake()).toBe(true);
    expect(slots.tryTake()).toBe(false);
  });
});

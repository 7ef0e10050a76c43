/**
 * The listener's places for associations. A place is taken when an association is accepted and
 * given back when its connection closes, however it ends.
 */
export class AssociationSlots {
  private used = 0;

  constructor(readonly max: number) {}

  get inUse(): number {
    return this.used;
  }

  tryTake(): boolean {
    if (this.used >= this.max) return false;
    this.used++;
    return true;
  }

  release(): void {
    if (this.used > 0) this.used--;
  }
}

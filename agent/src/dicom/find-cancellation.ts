import type { CCancelRequest, CFindRequest } from './dimse-types.js';

/**
 * C-CANCEL → AbortSignal, per association: the SCP's cFindRequest takes a signal with `begin`
 * and releases it with `end`; its cCancelRequest calls `cancel`, which aborts the C-FIND whose
 * Message ID the cancel names (PS3.7 9.3.2.3). streamFindResponses then answers Cancel (FE00).
 */
export class FindCancellations {
  private readonly running = new Map<number, AbortController>();

  begin(request: CFindRequest): AbortSignal {
    const controller = new AbortController();
    this.running.set(request.getMessageId(), controller);
    return controller.signal;
  }

  /** True when a running C-FIND was cancelled; a late or unknown cancel is ignored. */
  cancel(cancel: CCancelRequest): boolean {
    const controller = this.running.get(cancel.getMessageIdBeingRespondedTo());
    if (!controller) return false;
    controller.abort();
    return true;
  }

  end(request: CFindRequest): void {
    this.running.delete(request.getMessageId());
  }

  /** The association ended: stop whatever still runs. */
  abortAll(): void {
    for (const controller of this.running.values()) controller.abort();
    this.running.clear();
  }
}

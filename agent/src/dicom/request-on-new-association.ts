import dimse from 'dcmjs-dimse';
import type { PresentationContext, Request } from './dimse-types.js';

/** A peer the agent calls, and how long the whole exchange may take. */
export interface PeerCall {
  host: string;
  port: number;
  callingAe: string;
  calledAe: string;
  timeoutMs: number;
}

/** How one request sent on an association of its own ended. */
export type NewAssociationOutcome =
  | { kind: 'answered'; status: number; ms: number }
  | { kind: 'rejected'; result: number; source: number; reason: number }
  | { kind: 'network-error'; error: Error }
  | { kind: 'timed-out' }
  | { kind: 'closed-unanswered' };

/**
 * Opens an association to a peer, sends one request on it and settles once the association has
 * ended or `timeoutMs` has passed, whichever comes first. Never rejects: every way it can end is an
 * outcome for the caller to word.
 */
export function requestOnNewAssociation(
  call: PeerCall & { request: Request; contexts?: readonly PresentationContext[] },
): Promise<NewAssociationOutcome> {
  return new Promise((resolve) => {
    const started = Date.now();
    let outcome: NewAssociationOutcome = { kind: 'closed-unanswered' };
    const client = new dimse.Client();
    for (const context of call.contexts ?? []) client.addAdditionalPresentationContext(context);
    client.addRequest(call.request);
    const timer = setTimeout(() => {
      resolve({ kind: 'timed-out' });
      try {
        client.abort();
      } catch {
        // never connected, or already gone
      }
    }, call.timeoutMs);
    call.request.on('response', (response: { getStatus(): number }) => {
      outcome = { kind: 'answered', status: response.getStatus(), ms: Date.now() - started };
    });
    client.on('associationRejected', (r: { result: number; source: number; reason: number }) => {
      outcome = { kind: 'rejected', result: r.result, source: r.source, reason: r.reason };
    });
    client.on('networkError', (error: Error) => {
      clearTimeout(timer);
      resolve({ kind: 'network-error', error });
    });
    client.on('closed', () => {
      clearTimeout(timer);
      resolve(outcome);
    });
    client.send(call.host, call.port, call.callingAe, call.calledAe, {
      connectTimeout: call.timeoutMs,
      associationTimeout: call.timeoutMs,
    });
  });
}

import dimse from 'dcmjs-dimse';

export interface AssociationTarget {
  port: number;
  host?: string;
  callingAe: string;
  calledAe?: string;
  timeoutMs: number;
  /** Names the association in the timeout's error. */
  what: string;
}

/**
 * Sends the requests already added to a dcmjs-dimse client over one association and resolves when
 * it is released; rejects when it is refused, breaks, or outlasts the timeout. What the answers
 * were is for the caller's response handlers to collect.
 */
export function runAssociation(
  client: InstanceType<typeof dimse.Client>,
  target: AssociationTarget,
): Promise<void> {
  dimse.log.setLevel('silent');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${target.what} did not finish in time`)),
      target.timeoutMs,
    );
    client.on('associationRejected', (result: unknown) => {
      clearTimeout(timer);
      reject(new Error(`association rejected: ${JSON.stringify(result)}`));
    });
    client.on('networkError', (err: Error) => {
      clearTimeout(timer);
      reject(err);
    });
    client.on('closed', () => {
      clearTimeout(timer);
      resolve();
    });
    // dcmjs-dimse leaves Nagle on: every small PDU would wait ~40 ms for the peer's delayed ACK.
    client.on('connected', () => {
      (
        client as unknown as { network?: { socket?: { setNoDelay?: (on: boolean) => void } } }
      ).network?.socket?.setNoDelay?.(true);
    });
    client.send(target.host ?? '127.0.0.1', target.port, target.callingAe, target.calledAe ?? 'LIGHTBOX');
  });
}

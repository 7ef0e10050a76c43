import dimse from 'dcmjs-dimse';

export type EchoResult = { ok: true; ms: number } | { ok: false; reason: string };

/** One C-ECHO from the agent to a peer (a modality, the PACS), on its own association. */
export function echoPeer(opts: {
  host: string;
  port: number;
  callingAe: string;
  calledAe: string;
  timeoutMs: number;
}): Promise<EchoResult> {
  dimse.log.setLevel('silent');
  return new Promise((resolve) => {
    const started = Date.now();
    let result: EchoResult = { ok: false, reason: 'the association closed without an answer' };
    const client = new dimse.Client();
    const request = new dimse.requests.CEchoRequest();
    request.on('response', (response: { getStatus(): number }) => {
      const status = response.getStatus();
      result =
        status === 0
          ? { ok: true, ms: Date.now() - started }
          : { ok: false, reason: `answered status ${status.toString(16).padStart(4, '0')}` };
    });
    client.addRequest(request);
    const timer = setTimeout(() => {
      resolve({ ok: false, reason: `no answer within ${opts.timeoutMs} ms` });
      try {
        client.abort();
      } catch {
        // never connected
      }
    }, opts.timeoutMs);
    client.on('associationRejected', (r: { result: number; source: number; reason: number }) => {
      result = {
        ok: false,
        reason: `association rejected (reason ${r.reason}): is ${opts.calledAe} the right AE title, and does it know ${opts.callingAe}?`,
      };
    });
    client.on('networkError', (err: Error) => {
      clearTimeout(timer);
      // dcmjs-dimse wraps the socket error in its own text: the system's code is what says most.
      const code = (err as NodeJS.ErrnoException).code ?? /\b(E[A-Z]{3,})\b/.exec(err.message)?.[1];
      resolve({ ok: false, reason: code ?? err.message.replace(/\s+/g, ' ').trim() });
    });
    client.on('closed', () => {
      clearTimeout(timer);
      resolve(result);
    });
    client.send(opts.host, opts.port, opts.callingAe, opts.calledAe, {
      connectTimeout: opts.timeoutMs,
      associationTimeout: opts.timeoutMs,
    });
  });
}

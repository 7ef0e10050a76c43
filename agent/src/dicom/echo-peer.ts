import dimse from 'dcmjs-dimse';
import { requestOnNewAssociation, type PeerCall } from './request-on-new-association.js';

export type EchoResult = { ok: true; ms: number } | { ok: false; reason: string };

/** One C-ECHO from the agent to a peer (a modality, the PACS), on its own association. */
export async function echoPeer(opts: PeerCall): Promise<EchoResult> {
  dimse.log.setLevel('silent');
  const outcome = await requestOnNewAssociation({ ...opts, request: new dimse.requests.CEchoRequest() });
  switch (outcome.kind) {
    case 'answered':
      return outcome.status === 0
        ? { ok: true, ms: outcome.ms }
        : { ok: false, reason: `answered status ${outcome.status.toString(16).padStart(4, '0')}` };
    case 'rejected':
      return {
        ok: false,
        reason: `association rejected (reason ${outcome.reason}): is ${opts.calledAe} the right AE title, and does it know ${opts.callingAe}?`,
      };
    case 'network-error': {
      // dcmjs-dimse wraps the socket error in its own text: the system's code is what says most.
      const err = outcome.error;
      const code = (err as NodeJS.ErrnoException).code ?? /\b(E[A-Z]{3,})\b/.exec(err.message)?.[1];
      return { ok: false, reason: code ?? err.message.replace(/\s+/g, ' ').trim() };
    }
    case 'timed-out':
      return { ok: false, reason: `no answer within ${opts.timeoutMs} ms` };
    case 'closed-unanswered':
      return { ok: false, reason: 'the association closed without an answer' };
  }
}

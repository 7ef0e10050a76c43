import net from 'node:net';
import dimse from 'dcmjs-dimse';
import type { WlItem } from '../../worklist-attributes.js';
import { FindCancellations } from '../../../dicom/find-cancellation.js';
import {
  findResponse,
  findResponseEncoding,
  FindStatus,
  streamFindResponses,
  type FindCallback,
  type FindStreamOutcome,
} from '../../../dicom/find-response-stream.js';
import { encodeWorklistResponse, type ResponseCharacterSet } from '../worklist-response-encoder.js';
import { parseWorklistQuery, type WorklistQuery } from '../worklist-query.js';
import type { Association, CCancelRequest, CFindRequest } from '../../../dicom/dimse-types.js';

/**
 * A minimal worklist SCP on dcmjs-dimse for tests and benchmarks: answers every item (or those
 * `match` accepts) with the encoder and the streaming helper. The agent's real SCP lives in
 * agent/src/dicom; this one only exercises the encoding path against DCMTK. Test support only.
 */
const { Scp, constants } = dimse;
const { PresentationContextResult, SopClass, TransferSyntax } = constants;

export interface TestScpOptions {
  items: readonly WlItem[];
  characterSet: ResponseCharacterSet;
  /** Transfer syntaxes we accept, in our order of preference. */
  transferSyntaxes?: readonly string[];
  match?: (query: WorklistQuery, item: WlItem) => boolean;
  yieldEvery?: number;
  /** Milliseconds to wait before each pending (to make a C-CANCEL land mid-stream). */
  delayEveryPending?: number;
  /** Make the data set source throw after this many matches (the failure path). */
  failAfter?: number;
}

export interface TestScp {
  port: number;
  queries: WorklistQuery[];
  outcomes: FindStreamOutcome[];
  /** Time from a C-FIND's arrival to its final response, per query. */
  serverMs: number[];
  close(): Promise<void>;
}

export async function startTestWorklistScp(opts: TestScpOptions): Promise<TestScp> {
  dimse.log.setLevel('silent');
  const queries: WorklistQuery[] = [];
  const outcomes: FindStreamOutcome[] = [];
  const serverMs: number[] = [];
  const preference = opts.transferSyntaxes ?? [
    TransferSyntax.ExplicitVRLittleEndian,
    TransferSyntax.ImplicitVRLittleEndian,
  ];

  class WorklistScp extends Scp {
    private readonly cancellations = new FindCancellations();

    override associationRequested(association: Association): void {
      for (const pc of association.getPresentationContexts()) {
        const context = association.getPresentationContext(pc.id);
        const abstract = context.getAbstractSyntaxUid();
        if (
          abstract !== SopClass.ModalityWorklistInformationModelFind &&
          abstract !== SopClass.Verification
        ) {
          context.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
          continue;
        }
        const proposed = context.getTransferSyntaxUids();
        const chosen = preference.find((ts) => proposed.includes(ts));
        if (chosen) context.setResult(PresentationContextResult.Accept, chosen);
        else context.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
      }
      this.sendAssociationAccept();
    }

    override associationReleaseRequested(): void {
      this.sendAssociationReleaseResponse();
    }

    override cFindRequest(request: CFindRequest, callback: FindCallback): void {
      void this.answer(request, callback);
    }

    override cCancelRequest(request: CCancelRequest): void {
      this.cancellations.cancel(request);
    }

    override abort(): void {
      this.cancellations.abortAll();
    }

    private async answer(request: CFindRequest, callback: FindCallback): Promise<void> {
      const started = performance.now();
      const signal = this.cancellations.begin(request);
      try {
        const query = parseWorklistQuery(request);
        queries.push(query);
        const encoding = findResponseEncoding(request);
        if (!encoding) {
          callback([
            findResponse(request, { status: FindStatus.UnableToProcess, errorComment: 'transfer syntax' }),
          ]);
          return;
        }
        const { items, characterSet, match, delayEveryPending, failAfter } = opts;
        const { explicitVr } = encoding;
        function* syncDatasets(): Generator<Buffer> {
          let matched = 0;
          for (const item of items) {
            if (match && !match(query, item)) continue;
            if (failAfter !== undefined && matched++ >= failAfter)
              throw new Error('worklist copy unavailable');
            yield encodeWorklistResponse(query.requested, item, { explicitVr, characterSet }).bytes;
          }
        }
        async function* datasets(): AsyncGenerator<Buffer> {
          for (const bytes of syncDatasets()) {
            await new Promise((r) => setTimeout(r, delayEveryPending));
            yield bytes;
          }
        }
        const source = delayEveryPending ? datasets() : syncDatasets();
        const streamOpts =
          opts.yieldEvery === undefined ? { signal } : { signal, yieldEvery: opts.yieldEvery };
        outcomes.push(await streamFindResponses(this, request, callback, source, streamOpts));
      } catch (err) {
        const status = (err as { status?: unknown }).status;
        callback([
          findResponse(request, {
            status: typeof status === 'number' ? status : FindStatus.UnableToProcess,
            errorComment: err instanceof Error ? err.message : String(err),
          }),
        ]);
      } finally {
        this.cancellations.end(request);
        serverMs.push(performance.now() - started);
      }
    }
  }

  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    const scp = new WorklistScp(socket, {}) as WorklistScp & { connected: boolean };
    // Our own net.Server hands over a connected socket: dcmjs-dimse's 'connect' never fires.
    scp.connected = true;
    scp.on('networkError', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    queries,
    outcomes,
    serverMs,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

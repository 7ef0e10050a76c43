import { Socket } from 'node:net';
import dimse from 'dcmjs-dimse';
import { FastCommandDataset } from './fast-command-dataset.js';
import { PreEncodedDataset } from './codec/pre-encoded-dataset.js';
import { socketOf } from './dimse-adapter.js';
import type { CFindRequest, CFindResponse as CFindResponseType, Scp } from './dimse-types.js';

const { CFindResponse } = dimse.responses;
const { TransferSyntax } = dimse.constants;

export type FindCallback = (responses: CFindResponseType[]) => void;

/** C-FIND statuses beyond dcmjs-dimse's constants (PS3.4 C.4.1.1.4). */
export const FindStatus = {
  Success: 0x0000,
  Pending: 0xff00,
  /** Pending, "Matches are continuing – Warning that one or more Optional Keys were not supported". */
  PendingWarning: 0xff01,
  Cancel: 0xfe00,
  OutOfResources: 0xa700,
  IdentifierDoesNotMatchSopClass: 0xa900,
  UnableToProcess: 0xc000,
} as const;

/** How to encode response data sets for a request: its accepted transfer syntax. */
export interface FindResponseEncoding {
  transferSyntaxUid: string;
  explicitVr: boolean;
}

/**
 * The request's identifier was decoded in the accepted transfer syntax, which is therefore the
 * one the responses must use. Only the two uncompressed Little Endian syntaxes are supported
 * (the agent's services accept nothing else for C-FIND); anything else gives undefined.
 */
export function findResponseEncoding(request: CFindRequest): FindResponseEncoding | undefined {
  const transferSyntaxUid = request.getDataset()?.getTransferSyntaxUid();
  if (transferSyntaxUid === TransferSyntax.ExplicitVRLittleEndian)
    return { transferSyntaxUid, explicitVr: true };
  if (transferSyntaxUid === TransferSyntax.ImplicitVRLittleEndian)
    return { transferSyntaxUid, explicitVr: false };
  return undefined;
}

/**
 * One C-FIND response for `request`, with a command set that encodes itself quickly and, when
 * `dataset` is given, pre-encoded identifier bytes sent as they are. Status defaults to Success.
 */
export function findResponse(
  request: CFindRequest,
  opts: { status?: number; errorComment?: string; dataset?: Buffer; transferSyntaxUid?: string } = {},
): CFindResponseType {
  const response = CFindResponse.fromRequest(request);
  // fromRequest answers with the Study Root SOP class whatever was asked; echo the request's.
  response.setAffectedSopClassUid(request.getAffectedSopClassUid());
  response.setStatus(opts.status ?? FindStatus.Success);
  if (opts.errorComment !== undefined) response.setErrorComment(opts.errorComment);
  response.setCommandDataset(new FastCommandDataset(response.getCommandDataset().getElements()));
  if (opts.dataset) {
    const transferSyntaxUid = opts.transferSyntaxUid ?? findResponseEncoding(request)?.transferSyntaxUid;
    if (!transferSyntaxUid) throw new Error('no transfer syntax for the response data set');
    response.setDataset(new PreEncodedDataset(opts.dataset, transferSyntaxUid));
  }
  return response;
}

export interface FindStreamOptions {
  /** Aborted (e.g. by a C-CANCEL, see FindCancellations) → stop and answer Cancel (FE00). */
  signal?: AbortSignal;
  /** Yield to the event loop after this many pendings, so a C-CANCEL or a close is seen. Default 32. */
  yieldEvery?: number;
  /** Pending status for matches; FF01 when optional keys were not supported. Default FF00. */
  pendingStatus?: number;
}

export interface FindStreamOutcome {
  /** What the final response said, or 'disconnected' when the peer left and none was sent. */
  result: 'success' | 'cancelled' | 'failed' | 'disconnected';
  /** Pending responses sent. */
  sent: number;
  /** Why it failed: what the data set iterable threw. */
  error?: unknown;
}

/**
 * Streams one pending response per data set, then the final response through `callback` —
 * called exactly once (dcmjs-dimse kills the process on a second call), and not at all if the
 * association closed meanwhile. Never throws or rejects: a data set source that throws gives a
 * final C000 "unable to process" with its message as Error Comment (0000,0902).
 *
 * The data sets must be encoded for `findResponseEncoding(request)` (encodeWorklistResponse with
 * its `explicitVr`). Pendings go out through `scp.sendResponse`, with a PreEncodedDataset and a
 * FastCommandDataset, so neither is re-encoded by dcmjs.
 */
export async function streamFindResponses(
  scp: Scp,
  request: CFindRequest,
  callback: FindCallback,
  datasets: Iterable<Buffer> | AsyncIterable<Buffer>,
  opts: FindStreamOptions = {},
): Promise<FindStreamOutcome> {
  let closed = false;
  const onClose = (): void => {
    closed = true;
  };
  scp.on('close', onClose);
  let sent = 0;
  let answered = false;
  const finish = (
    result: 'success' | 'cancelled' | 'failed',
    status: number,
    errorComment?: string,
    error?: unknown,
  ): FindStreamOutcome => {
    if (closed) return { result: 'disconnected', sent, error };
    // Set before the call: if the callback itself throws, the catch below must not call it again.
    if (answered) return { result: 'failed', sent, error };
    answered = true;
    const final =
      errorComment === undefined
        ? findResponse(request, { status })
        : findResponse(request, { status, errorComment });
    callback([final]);
    return error === undefined ? { result, sent } : { result, sent, error };
  };
  try {
    const encoding = findResponseEncoding(request);
    if (!encoding) {
      const ts = request.getDataset()?.getTransferSyntaxUid() ?? 'none';
      return finish('failed', FindStatus.UnableToProcess, `unsupported transfer syntax ${ts}`);
    }
    const yieldEvery = Math.max(1, opts.yieldEvery ?? 32);
    const pendingStatus = opts.pendingStatus ?? FindStatus.Pending;
    const socket = socketOf(scp);
    // Each response is two PDUs, i.e. two socket writes; corked, a batch leaves in one writev
    // instead of a system call per PDU (the biggest cost of a large answer otherwise).
    let corked = false;
    const flush = (): void => {
      if (corked) socket?.uncork();
      corked = false;
    };
    const send = async (bytes: Buffer): Promise<boolean> => {
      if (closed || opts.signal?.aborted) return false;
      if (!corked && socket) {
        socket.cork();
        corked = true;
      }
      scp.sendResponse(
        request,
        findResponse(request, {
          status: pendingStatus,
          dataset: bytes,
          transferSyntaxUid: encoding.transferSyntaxUid,
        }),
      );
      sent++;
      if (sent % yieldEvery === 0) {
        flush();
        await yieldToEventLoop();
        if (socket?.writableNeedDrain) await drained(socket);
      }
      return true;
    };
    try {
      if (isSyncIterable(datasets)) {
        for (const bytes of datasets) if (!(await send(bytes))) break;
      } else {
        // An async source may wait between items: don't hold what was already sent corked.
        for await (const bytes of datasets) {
          if (!(await send(bytes))) break;
          flush();
        }
      }
    } finally {
      flush();
    }
    if (opts.signal?.aborted) return finish('cancelled', FindStatus.Cancel);
    return finish('success', FindStatus.Success);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    try {
      return finish('failed', FindStatus.UnableToProcess, message, err);
    } catch (sendError) {
      return { result: 'failed', sent, error: sendError };
    }
  } finally {
    scp.removeListener('close', onClose);
  }
}

function isSyncIterable(value: Iterable<Buffer> | AsyncIterable<Buffer>): value is Iterable<Buffer> {
  return typeof (value as Partial<Iterable<Buffer>>)[Symbol.iterator] === 'function';
}

/** setImmediate runs after pending I/O, so received PDUs (a C-CANCEL) are processed meanwhile. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

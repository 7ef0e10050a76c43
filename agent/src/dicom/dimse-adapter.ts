import { Socket } from 'node:net';
import dimse from 'dcmjs-dimse';
import { decodeCommand } from './fast-command-dataset.js';
import { PduReader } from './pdu-reader.js';

/**
 * Every place the agent reaches into dcmjs-dimse's internals, in one module. Each has a fallback
 * that keeps the agent correct, only slower or less faithful; `dimseFallbacks()` names the ones
 * taken, and the agent logs each at start (code `dimse_fallback`). `dimse-adapter.test.ts` fails
 * when an upgrade of dcmjs-dimse changes what is relied on here.
 *
 * 1. Query bytes. dcmjs-dimse builds every incoming Dataset through the (private)
 *    `Dataset.prototype._fromElementsBuffer(buffer, transferSyntaxUid, readOptions)`; wrapping it
 *    records the buffer in a WeakMap keyed by the Dataset, so the bytes live exactly as long as
 *    the request and a C-FIND identifier can be read as sent. Large data sets (C-STORE) are not
 *    kept: a query identifier is a few hundred bytes. Fallback: queries are read from dcmjs's
 *    re-encoding of its parsed elements (worklist-query.ts), lossy only for unknown keys' VRs and
 *    the reported query character set.
 * 2. The association's socket: the private `socket` field of dcmjs-dimse's Network, for corking
 *    batches of C-FIND answers and waiting for 'drain' (dcmjs-dimse writes without backpressure).
 *    Fallback: neither cork nor wait.
 * 3. Command sets: FastCommandDataset overrides `Dataset.prototype.getDenaturalizedCommandDataset`,
 *    which dcmjs-dimse calls to encode a command. Fallback: dcmjs encodes every command itself.
 *    Received command sets go through the same wrapper as 1: one in group 0000 alone, in Implicit VR
 *    Little Endian, is read by `decodeCommand` instead of dcmjs's dictionary. Fallback: dcmjs reads
 *    it (the wrapper is absent, or the command holds something `decodeCommand` leaves to dcmjs).
 * 4. PDU reassembly: `readPdusOurselves` takes the one socket 'data' listener dcmjs-dimse's Network
 *    installs off the socket and feeds a PduReader instead, which hands each whole PDU to the
 *    (private) `_processPdu(buffer)` as dcmjs-dimse's own reader would, copying it at most once.
 *    Fallback: dcmjs-dimse reads the PDUs itself.
 */
const MAX_CAPTURED_BYTES = 256 * 1024;
const IMPLICIT_VR_LITTLE_ENDIAN = dimse.constants.TransferSyntax.ImplicitVRLittleEndian;

const captured = new WeakMap<object, Buffer>();
let installed: boolean | undefined;
let dcmjsReader: FromElementsBuffer | undefined;

type FromElementsBuffer = (this: object, buffer: Buffer, ...rest: unknown[]) => unknown;

export function installQueryBytesCapture(): boolean {
  if (installed !== undefined) return installed;
  // Narrow cast into dcmjs-dimse internals: the one private method we wrap.
  const proto = dimse.Dataset.prototype as unknown as { _fromElementsBuffer?: FromElementsBuffer };
  const original = proto._fromElementsBuffer;
  if (typeof original !== 'function') {
    installed = false;
    return installed;
  }
  dcmjsReader = original;
  proto._fromElementsBuffer = function (this: object, buffer: Buffer, ...rest: unknown[]): unknown {
    if (!Buffer.isBuffer(buffer)) return original.call(this, buffer, ...rest);
    // A command set starts with its group length, (0000,0000); no data set starts in group 0000.
    if (rest[0] === IMPLICIT_VR_LITTLE_ENDIAN && buffer.length >= 4 && buffer.readUInt32LE(0) === 0) {
      const command = decodeCommand(buffer);
      if (command) return command;
    }
    if (buffer.length <= MAX_CAPTURED_BYTES) captured.set(this, buffer);
    return original.call(this, buffer, ...rest);
  };
  installed = true;
  return installed;
}

/** Elements as dcmjs itself reads them, past the adapter: what `decodeCommand` must agree with. */
export function readWithDcmjs(bytes: Buffer, transferSyntaxUid: string): Record<string, unknown> {
  if (!dcmjsReader) throw new Error('dcmjs-dimse has no Dataset._fromElementsBuffer');
  return dcmjsReader.call({}, bytes, transferSyntaxUid, {}) as Record<string, unknown>;
}

/** The bytes a received Dataset was parsed from, when they were captured. */
export function capturedBytes(dataset: object): Buffer | undefined {
  return captured.get(dataset);
}

/** The association's socket, when dcmjs-dimse still keeps it where we look. */
export function socketOf(scp: InstanceType<typeof dimse.Scp>): Socket | undefined {
  const candidate = (scp as unknown as { socket?: unknown }).socket;
  return candidate instanceof Socket ? candidate : undefined;
}

/** What of dcmjs-dimse's Network the PDU reader feeds. */
interface NetworkInternals {
  _processPdu?: (pdu: Buffer) => unknown;
  statistics?: { addBytesReceived?: (bytes: number) => void };
  lastPduTime?: number;
  emit(event: string, ...args: unknown[]): boolean;
}

/**
 * Replaces dcmjs-dimse's PDU reassembly on a new association's socket with PduReader; false (and
 * nothing changed) when dcmjs-dimse no longer looks the way this relies on.
 */
export function readPdusOurselves(scp: InstanceType<typeof dimse.Scp>, socket: Socket): boolean {
  const network = scp as unknown as NetworkInternals;
  const processPdu = network._processPdu;
  const addBytesReceived = network.statistics?.addBytesReceived;
  const theirs = socket.listeners('data');
  if (typeof processPdu !== 'function' || typeof addBytesReceived !== 'function' || theirs.length !== 1)
    return false;
  socket.off('data', theirs[0] as (chunk: Buffer) => void);
  const reader = new PduReader(
    (pdu) => {
      network.lastPduTime = Date.now();
      // Asynchronous in dcmjs-dimse, which does not wait for it either; it reports its own errors.
      void processPdu.call(scp, pdu);
    },
    (err) => network.emit('networkError', err),
  );
  socket.on('data', (chunk: Buffer) => {
    addBytesReceived.call(network.statistics, chunk.length);
    reader.push(chunk);
  });
  return true;
}

/** Whether dcmjs-dimse still encodes a command through the method FastCommandDataset overrides. */
export function commandEncodingHookPresent(): boolean {
  const proto = dimse.Dataset.prototype as unknown as { getDenaturalizedCommandDataset?: unknown };
  return typeof proto.getDenaturalizedCommandDataset === 'function';
}

/** The fallbacks in use with the installed dcmjs-dimse, each as one sentence; empty when none. */
export function dimseFallbacks(): string[] {
  const fallbacks: string[] = [];
  if (!installQueryBytesCapture()) {
    fallbacks.push('C-FIND queries are read from dcmjs-dimse re-encoding (no Dataset._fromElementsBuffer)');
  }
  const probe = new Socket();
  try {
    const scp = new dimse.Scp(probe, {});
    if (socketOf(scp) !== probe) {
      fallbacks.push('C-FIND answers are written without backpressure (no socket on the association)');
    }
    if (!readPdusOurselves(scp, probe)) {
      fallbacks.push('PDUs are gathered by dcmjs-dimse (no single data listener or Network._processPdu)');
    }
  } finally {
    // The association's listeners go first, so closing the probe is not logged as a connection.
    probe.removeAllListeners();
    probe.destroy();
  }
  if (!commandEncodingHookPresent()) {
    fallbacks.push('DIMSE commands are encoded by dcmjs (no Dataset.getDenaturalizedCommandDataset)');
  }
  return fallbacks;
}

// Installed on import: the query reader imports this module, so the wrapper is in place before
// the agent's listener accepts its first association.
installQueryBytesCapture();

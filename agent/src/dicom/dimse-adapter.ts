import dimse from 'dcmjs-dimse';

/**
 * Keeps the bytes each small received data set was parsed from, so a C-FIND identifier can be
 * read as sent. dcmjs-dimse builds every incoming Dataset through the (private)
 * `Dataset.prototype._fromElementsBuffer(buffer, transferSyntaxUid, readOptions)`; wrapping it
 * records the buffer in a WeakMap keyed by the Dataset, so the bytes live exactly as long as the
 * request. Large data sets (C-STORE) are not kept: a query identifier is a few hundred bytes.
 *
 * Risk: this relies on a private method of dcmjs-dimse 0.3.3 (pinned). If a version drops it,
 * `installQueryBytesCapture` returns false and queries are read from dcmjs's re-encoding of its
 * parsed elements instead (see worklist-query.ts), which is lossy only for unknown keys' VRs and
 * the reported query character set.
 */
const MAX_CAPTURED_BYTES = 256 * 1024;

const captured = new WeakMap<object, Buffer>();
let installed: boolean | undefined;

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
  proto._fromElementsBuffer = function (this: object, buffer: Buffer, ...rest: unknown[]): unknown {
    if (Buffer.isBuffer(buffer) && buffer.length <= MAX_CAPTURED_BYTES) captured.set(this, buffer);
    return original.call(this, buffer, ...rest);
  };
  installed = true;
  return installed;
}

/** The bytes a received Dataset was parsed from, when they were captured. */
export function capturedBytes(dataset: object): Buffer | undefined {
  return captured.get(dataset);
}

// Installed on import: the query reader imports this module, so the wrapper is in place before
// the agent's listener accepts its first association.
installQueryBytesCapture();

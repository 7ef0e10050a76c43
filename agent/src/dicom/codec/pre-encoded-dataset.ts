import dimse from 'dcmjs-dimse';

/**
 * A data set whose bytes are already encoded (by encodeWorklistResponse) in the transfer syntax
 * it states. dcmjs-dimse sends a command's data set by calling `getDenaturalizedDataset()` and
 * splitting the returned bytes into P-DATA-TF PDVs; it transcodes first only when
 * `getTransferSyntaxUid()` differs from the presentation context's, so stating the accepted
 * syntax sends our bytes untouched. It holds no elements: logging shows its size only.
 */
export class PreEncodedDataset extends dimse.Dataset {
  constructor(
    private readonly bytes: Buffer,
    transferSyntaxUid: string,
  ) {
    super({}, transferSyntaxUid);
  }

  override getDenaturalizedDataset(): Buffer {
    return this.bytes;
  }

  get byteLength(): number {
    return this.bytes.length;
  }

  override toString(): string {
    return `Dataset: ${this.bytes.length} pre-encoded bytes (${this.getTransferSyntaxUid()})`;
  }
}

/**
 * Worklist C-FIND on the wire: reading a query (parseWorklistQuery), encoding each match
 * (encodeWorklistResponse) and streaming the answers through dcmjs-dimse without it re-encoding
 * them (streamFindResponses, FindCancellations for C-CANCEL).
 */
export {
  parseWorklistIdentifier,
  parseWorklistQuery,
  WorklistQueryError,
  type RequestedKey,
  type WorklistQuery,
} from './worklist-query.js';
export {
  encodeWorklistResponse,
  type EncodedResponse,
  type ResponseCharacterSet,
  type ResponseEncodingOptions,
  type Transliteration,
} from './worklist-response-encoder.js';
export {
  findResponse,
  findResponseEncoding,
  FindStatus,
  streamFindResponses,
  type FindCallback,
  type FindResponseEncoding,
  type FindStreamOptions,
  type FindStreamOutcome,
} from './find-response-stream.js';
export { FindCancellations } from './find-cancellation.js';
export { PreEncodedDataset } from './pre-encoded-dataset.js';
export { toLatin1 } from './latin1-transliteration.js';
export { installQueryBytesCapture } from './query-bytes-capture.js';

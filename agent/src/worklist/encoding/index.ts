/**
 * Worklist C-FIND on the wire: reading a query (parseWorklistQuery) and encoding each match
 * (encodeWorklistResponse). Streaming the answers and C-CANCEL are the DICOM layer's
 * (`dicom/find-response-stream.ts`, `dicom/find-cancellation.ts`).
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

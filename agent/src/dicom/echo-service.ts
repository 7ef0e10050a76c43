import dimse from 'dcmjs-dimse';
import type { CEchoRequest, CEchoResponse } from './dimse-types.js';

const { responses, constants } = dimse;

/** C-ECHO: a modality's "can you hear me" — always success while the agent runs. */
export function answerEcho(request: CEchoRequest): CEchoResponse {
  const response = responses.CEchoResponse.fromRequest(request);
  response.setStatus(constants.Status.Success);
  return response;
}

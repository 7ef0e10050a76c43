import dimse from 'dcmjs-dimse';

const { responses, constants } = dimse;

type CEchoRequest = Parameters<typeof responses.CEchoResponse.fromRequest>[0];

/** C-ECHO: a modality's "can you hear me" — always success while the agent runs. */
export function answerEcho(request: CEchoRequest): InstanceType<typeof responses.CEchoResponse> {
  const response = responses.CEchoResponse.fromRequest(request);
  response.setStatus(constants.Status.Success);
  return response;
}

import dimse from 'dcmjs-dimse';
import { describe, expect, it } from 'vitest';
import { decodeCommand } from './fast-command-dataset.js';
import { capturedBytes, readWithDcmjs } from './dimse-adapter.js';

const { requests, responses, constants } = dimse;
const IMPLICIT = constants.TransferSyntax.ImplicitVRLittleEndian;

/** dcmjs's own reading of a command set, the way dcmjs-dimse does it without the adapter. */
const dcmjsReads = (bytes: Buffer): Record<string, unknown> => readWithDcmjs(bytes, IMPLICIT);

interface CommandMessage {
  getCommandDataset(): InstanceType<typeof dimse.Dataset>;
}

/** The command set exactly as a peer sends it: dcmjs's encoding of the request or response. */
function onTheWire(message: CommandMessage): Buffer {
  return message.getCommandDataset().getDenaturalizedCommandDataset();
}

const store = new requests.CStoreRequest(
  new dimse.Dataset({ SOPClassUID: '1.2.840.10008.5.1.4.1.1.2', SOPInstanceUID: '1.2.3.4.5' }, IMPLICIT),
);
const failed = responses.CStoreResponse.fromRequest(store);
failed.setStatus(0xa700);
failed.setErrorComment('  out of resources  ');
const move = new requests.CMoveRequest();
move.setCommandDataset(
  new dimse.Dataset({ ...move.getCommandDataset().getElements(), MoveDestination: ' PACS ' }),
);

const commands: [string, CommandMessage][] = [
  ['C-ECHO-RQ', new requests.CEchoRequest()],
  ['C-STORE-RQ', store],
  ['C-STORE-RSP with an error comment', failed],
  ['C-FIND-RQ', new requests.CFindRequest()],
  ['C-MOVE-RQ with a move destination', move],
  ['N-CREATE-RQ', new requests.NCreateRequest('1.2.840.10008.3.1.2.3.3', '1.2.3.6')],
  ['N-SET-RQ', new requests.NSetRequest('1.2.840.10008.3.1.2.3.3', '1.2.3.6')],
  ['N-ACTION-RQ', new requests.NActionRequest('1.2.840.10008.1.20.1', '1.2.840.10008.1.20.1.1', 1)],
  [
    'N-EVENT-REPORT-RQ',
    new requests.NEventReportRequest('1.2.840.10008.1.20.1', '1.2.840.10008.1.20.1.1', 2),
  ],
  ['C-CANCEL-RQ', new requests.CCancelRequest('1.2.840.10008.5.1.4.31', 7)],
];

describe('a received command set read without dcmjs', () => {
  it.each(commands)('reads %s as dcmjs does', (_name, message) => {
    const bytes = onTheWire(message);
    const ours = decodeCommand(bytes);
    expect(ours).toBeDefined();
    expect(ours).toEqual(dcmjsReads(bytes));
  });

  it('is what an association sees: dcmjs-dimse builds the command through the adapter', () => {
    const bytes = onTheWire(store);
    const received = new dimse.Dataset(bytes, IMPLICIT);
    expect(received.getElements()).toEqual(dcmjsReads(bytes));
    // Read by decodeCommand: dcmjs's reader, which the adapter's capture wraps, never saw it.
    expect(capturedBytes(received)).toBeUndefined();
  });

  it.each([
    [
      'an element outside the command group it knows',
      { ...store.getCommandDataset().getElements(), AttributeIdentifierList: [0x00100010] },
    ],
    ['a multi-valued comment', { ...failed.getCommandDataset().getElements(), ErrorComment: 'a\\b' }],
  ])('leaves %s to dcmjs', (_name, elements) => {
    const bytes = new dimse.Dataset(elements).getDenaturalizedCommandDataset();
    expect(decodeCommand(bytes)).toBeUndefined();
    const received = new dimse.Dataset(bytes, IMPLICIT);
    expect(received.getElements()).toEqual(dcmjsReads(bytes));
    expect(capturedBytes(received)).toBe(bytes);
  });

  it('leaves non-ASCII text and a truncated element to dcmjs', () => {
    const bytes = Buffer.from(onTheWire(failed));
    const comment = bytes.indexOf(Buffer.from('out of resources', 'latin1'));
    bytes[comment] = 0xe9;
    expect(decodeCommand(bytes)).toBeUndefined();
    expect(decodeCommand(onTheWire(store).subarray(0, 20))).toBeUndefined();
  });
});

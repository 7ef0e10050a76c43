import dimse from 'dcmjs-dimse';
import { describe, expect, it } from 'vitest';
import { encodeCommand, FastCommandDataset } from './fast-command-dataset.js';

const { CFindResponse } = dimse.responses;
const { CFindRequest } = dimse.requests;
const { Status } = dimse.constants;

function response(status: number, errorComment?: string): InstanceType<typeof CFindResponse> {
  const request = CFindRequest.createWorklistFindRequest({});
  request.setMessageId(4711);
  const r = CFindResponse.fromRequest(request);
  r.setAffectedSopClassUid(request.getAffectedSopClassUid());
  r.setStatus(status);
  if (errorComment !== undefined) r.setErrorComment(errorComment);
  return r;
}

describe('FastCommandDataset', () => {
  it('encodes C-FIND responses byte for byte as dcmjs does', () => {
    for (const r of [
      response(Status.Pending),
      response(Status.Success),
      response(0xc000, 'matcher failed (odd)'),
    ]) {
      const elements = r.getCommandDataset().getElements();
      const dcmjs = r.getCommandDataset().getDenaturalizedCommandDataset();
      expect(new FastCommandDataset(elements).getDenaturalizedCommandDataset().toString('hex')).toBe(
        dcmjs.toString('hex'),
      );
    }
  });

  it('encodes C-STORE responses byte for byte as dcmjs does', () => {
    const request = new dimse.requests.CStoreRequest(new dimse.Dataset({}));
    request.setAffectedSopClassUid('1.2.840.10008.5.1.4.1.1.2');
    request.setAffectedSopInstanceUid('2.25.1234567890123');
    request.setMessageId(17);
    for (const [status, comment] of [
      [Status.Success, undefined],
      [0xa700, 'could not write to the spool: ENOSPC'],
    ] as const) {
      const r = dimse.responses.CStoreResponse.fromRequest(request);
      r.setStatus(status);
      if (comment !== undefined) r.setErrorComment(comment);
      const elements = r.getCommandDataset().getElements();
      expect(new FastCommandDataset(elements).getDenaturalizedCommandDataset().toString('hex')).toBe(
        r.getCommandDataset().getDenaturalizedCommandDataset().toString('hex'),
      );
    }
  });

  it('marks the data set as present when one is attached', () => {
    const r = response(Status.Pending);
    r.setDataset(new dimse.Dataset({}));
    const bytes = encodeCommand(r.getCommandDataset().getElements())!;
    // (0000,0800) US 0x0202 (dcmjs-dimse's value; anything but 0x0101 means a data set follows).
    expect(bytes.includes(Buffer.from('00000008' + '02000000' + '0202', 'hex'))).toBe(true);
  });

  it('keeps Error Comment in the default repertoire and within LO', () => {
    const bytes = encodeCommand({ CommandField: 0x8020, ErrorComment: `Łódź ${'x'.repeat(80)}` })!;
    const at = bytes.indexOf(Buffer.from('00000209', 'hex'));
    const length = bytes.readUInt32LE(at + 4);
    expect(length).toBe(64);
    expect(bytes.subarray(at + 8, at + 14).toString('latin1')).toBe('??d? x');
  });

  it('leaves fields it does not know to dcmjs', () => {
    expect(encodeCommand({ CommandField: 0x8020, SomethingElse: 1 })).toBeUndefined();
  });
});

import { Socket } from 'node:net';
import dimse from 'dcmjs-dimse';
import { describe, expect, it } from 'vitest';
import { capturedBytes, commandEncodingHookPresent, dimseFallbacks, socketOf } from './dimse-adapter.js';

/**
 * What the agent relies on inside dcmjs-dimse. A failure here after an upgrade means the agent
 * would run on a fallback (and say so at start): read dimse-adapter.ts before pinning the new version.
 */
describe('dcmjs-dimse internals the agent relies on', () => {
  it('builds a received data set through Dataset._fromElementsBuffer, whose bytes are kept', () => {
    const sent = new dimse.Dataset(
      {
        PatientName: 'Rex^Smith',
        AccessionNumber: 'A1',
        ScheduledProcedureStepSequence: [{ Modality: 'DX' }],
      },
      dimse.constants.TransferSyntax.ExplicitVRLittleEndian,
    );
    const bytes = sent.getDenaturalizedDataset();
    const received = new dimse.Dataset(bytes, dimse.constants.TransferSyntax.ExplicitVRLittleEndian);
    expect(capturedBytes(received)).toBe(bytes);
    expect(received.getElement('AccessionNumber')).toBe('A1');
  });

  it('keeps each association on its socket', () => {
    const socket = new Socket();
    try {
      expect(socketOf(new dimse.Scp(socket, {}))).toBe(socket);
    } finally {
      socket.removeAllListeners();
      socket.destroy();
    }
  });

  it('encodes commands through Dataset.getDenaturalizedCommandDataset, which FastCommandDataset overrides', () => {
    expect(commandEncodingHookPresent()).toBe(true);
    expect(new dimse.responses.CEchoResponse(0x0000, '').getCommandDataset()).toBeInstanceOf(dimse.Dataset);
  });

  it('takes no fallback with the installed version', () => {
    expect(dimseFallbacks()).toEqual([]);
  });
});

describe('the fallbacks', () => {
  it('find no socket on an association object that has none', () => {
    const noSocket: unknown = {};
    expect(socketOf(noSocket as InstanceType<typeof dimse.Scp>)).toBeUndefined();
  });

  it('read nothing captured for a data set built from elements', () => {
    expect(capturedBytes(new dimse.Dataset({ PatientID: 'P1' }))).toBeUndefined();
  });
});

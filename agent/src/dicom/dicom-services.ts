import dimse from 'dcmjs-dimse';

const { TransferSyntax } = dimse.constants;

/**
 * What the agent serves: each abstract syntax with the transfer syntaxes we accept for it, in our
 * order of preference. The first of ours the modality also proposes is chosen — never "the last
 * one proposed", which is what a naive loop over the proposal does.
 */
export interface ServiceEntry {
  abstractSyntaxUid: string;
  transferSyntaxes: readonly string[];
}

export const UNCOMPRESSED_SYNTAXES = [
  TransferSyntax.ExplicitVRLittleEndian,
  TransferSyntax.ImplicitVRLittleEndian,
] as const;

export const VERIFICATION_SOP_CLASS = '1.2.840.10008.1.1';

export function defaultServices(): ServiceEntry[] {
  return [{ abstractSyntaxUid: VERIFICATION_SOP_CLASS, transferSyntaxes: UNCOMPRESSED_SYNTAXES }];
}

export function chooseTransferSyntax(
  ours: readonly string[],
  proposed: readonly string[],
): string | undefined {
  return ours.find((ts) => proposed.includes(ts));
}

import dimse from 'dcmjs-dimse';
import { runAssociation } from '../src/support/dimse-association.js';

const { Client, requests } = dimse;

type FindResponse = { getStatus(): number };

const PENDING = new Set([0xff00, 0xff01]);

/**
 * How many worklist items a single-match C-FIND on the accession number returns right now: one
 * association per call, in process, so a poll costs a few milliseconds rather than a process start.
 */
export async function countByAccession(
  port: number,
  accessionNumber: string,
  timeoutMs = 5_000,
): Promise<number> {
  let pending = 0;
  let final: number | undefined;
  const client = new Client();
  const request = requests.CFindRequest.createWorklistFindRequest({ AccessionNumber: accessionNumber });
  request.on('response', (response: FindResponse) => {
    const status = response.getStatus();
    if (PENDING.has(status)) pending++;
    else final = status;
  });
  client.addRequest(request);
  await runAssociation(client, { port, callingAe: 'BENCH', timeoutMs, what: 'worklist poll' });
  if (final !== 0) throw new Error(`worklist poll ended with status ${final?.toString(16) ?? 'none'}`);
  return pending;
}

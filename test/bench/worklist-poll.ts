import dimse from 'dcmjs-dimse';

const { Client, requests } = dimse;

type FindResponse = { getStatus(): number };

const PENDING = new Set([0xff00, 0xff01]);

/**
 * How many worklist items a single-match C-FIND on the accession number returns right now: one
 * association per call, in process, so a poll costs a few milliseconds rather than a process start.
 */
export function countByAccession(port: number, accessionNumber: string, timeoutMs = 5_000): Promise<number> {
  dimse.log.setLevel('silent');
  return new Promise((resolve, reject) => {
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
    const timer = setTimeout(() => reject(new Error('worklist poll did not finish in time')), timeoutMs);
    client.on('associationRejected', (result: unknown) => {
      clearTimeout(timer);
      reject(new Error(`association rejected: ${JSON.stringify(result)}`));
    });
    client.on('networkError', (err: Error) => {
      clearTimeout(timer);
      reject(err);
    });
    client.on('closed', () => {
      clearTimeout(timer);
      if (final === 0) resolve(pending);
      else reject(new Error(`worklist poll ended with status ${final?.toString(16) ?? 'none'}`));
    });
    client.send('127.0.0.1', port, 'BENCH', 'LIGHTBOX');
  });
}

import dimse from 'dcmjs-dimse';
import type { CStoreRequest as CStoreRequestType, CStoreResponse } from '../dicom/dimse-types.js';
import { classifyStoreStatus, hexStatus, type StoreVerdict } from './store-status.js';

const { Client, Dataset } = dimse;
const { CStoreRequest } = dimse.requests;

type DimseDataset = InstanceType<typeof Dataset>;

export interface PacsAddress {
  aeTitle: string;
  host: string;
  port: number;
}

export interface SendItem {
  key: string;
  file: string;
}

/** What became of one instance of a batch. */
export interface SendOutcome {
  key: string;
  verdict: StoreVerdict | 'not-sent';
  /** Four hex digits, or null when the PACS never answered for it. */
  status: string | null;
  detail: string | null;
}

export interface BatchResult {
  outcomes: SendOutcome[];
  /** Why the association as a whole failed (refused, rejected, dropped); null when it held. */
  associationError: string | null;
}

export interface SendOptions {
  callingAeTitle: string;
  /** Connect, association and per-PDU limits; a batch that outlives `batchTimeoutMs` is abandoned. */
  timeoutMs: number;
  batchTimeoutMs: number;
}

/**
 * Reads an instance from the spool for sending. dcmjs decodes its strings by their declared
 * character set and relabels the data set `ISO_IR 192`, which is what it then writes: a Latin-1
 * name reaches the PACS readable, in UTF-8.
 */
export function loadForSending(file: string): Promise<DimseDataset> {
  return new Promise((resolve, reject) => {
    Dataset.fromFile(file, (err, dataset) => {
      if (err || !dataset) reject(err ?? new Error('unreadable file'));
      else resolve(dataset);
    });
  });
}

/**
 * Sends a batch of spooled instances to the PACS over one association (dcmjs-dimse's Client, a
 * C-STORE SCU). For each SOP class it proposes Implicit and Explicit VR Little Endian and, for an
 * instance stored compressed, a context with that syntax alone; an accepted context in the
 * instance's own syntax is used first, so the PACS gets the bytes' encoding the modality chose,
 * and otherwise the instance is transcoded to an accepted little-endian syntax. Never rejects:
 * every failure is an outcome, because the forwarder must record or retry each instance.
 */
export async function sendBatch(
  pacs: PacsAddress,
  items: SendItem[],
  opts: SendOptions,
): Promise<BatchResult> {
  const outcomes = new Map<string, SendOutcome>();
  const client = new Client();
  const requests: { key: string; request: CStoreRequestType; syntax: string }[] = [];
  for (const item of items) {
    try {
      const dataset = await loadForSending(item.file);
      const request = new CStoreRequest(dataset);
      requests.push({ key: item.key, request, syntax: dataset.getTransferSyntaxUid() });
    } catch (err) {
      outcomes.set(item.key, {
        key: item.key,
        verdict: 'failure',
        status: null,
        detail: `cannot read the spooled file: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  }
  if (requests.length === 0) return { outcomes: [...outcomes.values()], associationError: null };

  // Written from the Client's events, which the compiler's narrowing does not see.
  const failure: { association: string | null } = { association: null };
  await new Promise<void>((resolve) => {
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(watchdog);
      resolve();
    };
    // The Client reports the end of every path with 'closed'; this bounds one that does not.
    const watchdog = setTimeout(() => {
      failure.association ??= `no end of association within ${opts.batchTimeoutMs} ms`;
      try {
        client.abort();
      } catch {
        // no network left to abort
      }
      finish();
    }, opts.batchTimeoutMs);
    for (const { key, request } of requests) {
      // Handlers guarded: an exception thrown inside a dcmjs-dimse event ends the process.
      request.on('response', (response: CStoreResponse) => {
        try {
          const status = response.getStatus();
          const comment = response.getErrorComment();
          outcomes.set(key, {
            key,
            verdict: classifyStoreStatus(status),
            status: hexStatus(status),
            detail: comment ? comment.trim() || null : null,
          });
        } catch (err) {
          outcomes.set(key, {
            key,
            verdict: 'failure',
            status: null,
            detail: `unreadable response: ${err instanceof Error ? err.message : String(err)}`,
          });
        }
      });
      client.addRequest(request);
    }
    client.on('associationRejected', (result: unknown) => {
      failure.association = `association rejected by ${pacs.aeTitle}: ${describe(result)}`;
    });
    client.on('networkError', (err: unknown) => {
      failure.association ??= `network error: ${err instanceof Error ? err.message : String(err)}`;
    });
    client.on('closed', finish);
    try {
      client.send(pacs.host, pacs.port, opts.callingAeTitle, pacs.aeTitle, {
        connectTimeout: opts.timeoutMs,
        associationTimeout: opts.timeoutMs,
        pduTimeout: opts.timeoutMs,
      });
    } catch (err) {
      failure.association = `cannot send: ${err instanceof Error ? err.message : String(err)}`;
      finish();
    }
  });

  for (const { key, request, syntax } of requests) {
    if (outcomes.has(key)) continue;
    outcomes.set(key, {
      key,
      verdict: 'not-sent',
      status: null,
      // The agent does not decompress: a compressed instance goes in its own syntax or not at all.
      detail:
        failure.association ??
        `the PACS accepted no presentation context for SOP class ${request.getAffectedSopClassUid()} in transfer syntax ${syntax} or one it converts to without decompressing`,
    });
  }
  return { outcomes: items.map((i) => outcomes.get(i.key)!), associationError: failure.association };
}

function describe(value: unknown): string {
  if (value && typeof value === 'object') {
    const v = value as { result?: unknown; source?: unknown; reason?: unknown };
    return `result ${String(v.result)}, source ${String(v.source)}, reason ${String(v.reason)}`;
  }
  return String(value);
}

/**
 * The least a durable Storage SCP on dcmjs-dimse can do, as a yardstick for the agent: each data
 * set is written to its own file as it arrives, fsync'd, and only then answered with success.
 * Nothing else — no file meta header, no checks, no rename, no journal, no rendering. Whatever
 * ratio to storescp this reaches is the ceiling for any SCP built on this stack that keeps the rule
 * "success only once the data is on disk" on the machine at hand.
 *
 * Usage: node scripts/run-bundled.mjs test/bench/bare-store-scp.ts <port> <folder>
 */
import { open, type FileHandle } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import dimse from 'dcmjs-dimse';
import { FastCommandDataset } from '@lightbox/agent/dicom/fast-command-dataset';
import type {
  Association,
  CEchoRequest,
  CEchoResponse,
  CStoreRequest,
  CStoreResponse,
  PresentationContext,
  StoreDataset,
} from '@lightbox/agent/dicom/dimse-types';

const { Scp, constants, responses } = dimse;

const [portArg, folder] = process.argv.slice(2);
if (!portArg || !folder) throw new Error('usage: bare-store-scp <port> <folder>');
let files = 0;

/** Appends each batch of fragments to the file; on end, fsyncs and closes it. */
function durableFile(file: string): Writable {
  const opened: Promise<FileHandle> = open(file, 'w');
  opened.catch(() => undefined);
  return new Writable({
    // The agent's own pause mark: the same memory bound, the same number of writes.
    highWaterMark: 256 * 1024,
    writev: (chunks, cb) => {
      opened.then((handle) => handle.writev(chunks.map((c) => c.chunk as Buffer))).then(() => cb(), cb);
    },
    final: (cb) => {
      opened
        .then(async (handle) => {
          await handle.sync();
          await handle.close();
        })
        .then(() => cb(), cb);
    },
  });
}

class BareStoreScp extends Scp {
  override associationRequested(association: Association): void {
    for (const pc of association.getPresentationContexts()) {
      const context = association.getPresentationContext(pc.id);
      const proposed = context.getTransferSyntaxUids();
      context.setResult(constants.PresentationContextResult.Accept, proposed[0]);
    }
    this.sendAssociationAccept();
  }

  override associationReleaseRequested(): void {
    this.sendAssociationReleaseResponse();
  }

  override cEchoRequest(request: CEchoRequest, callback: (response: CEchoResponse) => void): void {
    const response = responses.CEchoResponse.fromRequest(request);
    response.setStatus(constants.Status.Success);
    callback(response);
  }

  override createStoreWritableStream(): Writable {
    return durableFile(path.join(folder!, `${++files}.dcm`));
  }

  override createDatasetFromStoreWritableStream(
    writable: Writable,
    context: PresentationContext,
    callback: (dataset: StoreDataset) => void,
  ): void {
    // The answer waits for the fsync: dcmjs-dimse calls cStoreRequest once this callback runs.
    writable.once('finish', () => callback(new dimse.Dataset({}, context.getAcceptedTransferSyntaxUid())));
  }

  override cStoreRequest(request: CStoreRequest, callback: (response: CStoreResponse) => void): void {
    const response = responses.CStoreResponse.fromRequest(request);
    response.setStatus(constants.Status.Success);
    // The same answer encoder as the agent's.
    response.setCommandDataset(new FastCommandDataset(response.getCommandDataset().getElements()));
    callback(response);
  }
}

dimse.log.setLevel('silent');
// The agent's receive PDU size, so both gather the same fragments.
dimse.Implementation.setMaxPduLength(64 * 1024);
const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  const scp = new BareStoreScp(socket, {}) as BareStoreScp & { connected: boolean };
  scp.connected = true;
});
server.listen(Number(portArg), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));

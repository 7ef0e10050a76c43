import net from 'node:net';
import dimse from 'dcmjs-dimse';
import type { Logger } from '@lightbox/runtime';
import { associationHandlerClass } from './association-handler.js';
import { servicesFor, type DicomHandlers } from './dicom-services.js';
import { AssociationSlots } from './association-slots.js';

/** Four times DCMTK's default of 16 KB. */
const MAX_RECEIVE_PDU_BYTES = 64 * 1024;

export interface DicomListenerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  aeTitle: string;
  /** Empty: every calling AE title is accepted. */
  allowedCallingAeTitles: string[];
  log: Logger;
  handlers?: DicomHandlers;
  limits: { idleTimeoutMs: number; artimMs: number; maxAssociations: number };
}

export interface DicomListener {
  port: number;
  close(): Promise<void>;
}

/**
 * The agent's DICOM port. Our own net.Server rather than dcmjs-dimse's, which binds every interface
 * and leaves Nagle on (each small response would wait ~40 ms for an ACK).
 */
export async function startDicomListener(opts: DicomListenerOptions): Promise<DicomListener> {
  dimse.log.setLevel('silent');
  // The largest PDU a peer may send us. dcmjs-dimse gathers each PDU whole, by concatenation, before
  // any of it reaches the spool: 256 KB (its default) per association means more memory and more
  // copying with twenty modalities sending at once, for no measurable gain over 64 KB.
  dimse.Implementation.setMaxPduLength(MAX_RECEIVE_PDU_BYTES);
  const Handler = associationHandlerClass({
    aeTitle: opts.aeTitle,
    allowedCallingAeTitles: opts.allowedCallingAeTitles,
    services: servicesFor(opts.handlers ?? {}),
    handlers: opts.handlers ?? {},
    log: opts.log,
    slots: new AssociationSlots(opts.limits.maxAssociations),
    artimMs: opts.limits.artimMs,
    idleTimeoutMs: opts.limits.idleTimeoutMs,
  });
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    // A peer that resets must not become an unhandled 'error' event.
    socket.on('error', (err) => {
      opts.log.debug('DICOM socket error', { err: err.message });
    });
    socket.on('close', () => {
      sockets.delete(socket);
    });
    try {
      const scp = new Handler(socket, {}) as InstanceType<typeof Handler> & { connected: boolean };
      scp.connected = true;
      scp.on('networkError', (err: Error) => {
        opts.log.warn('DICOM network error', { err: err.message, peer: socket.remoteAddress });
        socket.end();
      });
    } catch (err) {
      opts.log.error('could not start an association handler', { err: String(err) });
      socket.destroy();
    }
  });
  // Connections past the associations' cap are still read, to be refused by A-ASSOCIATE-RJ; past
  // twice the cap (ARTIM bounds how long the silent ones stay) new ones are closed at once.
  server.maxConnections = Math.max(2 * opts.limits.maxAssociations, opts.limits.maxAssociations + 16);
  server.on('drop', (data) => {
    opts.log.warn('DICOM connection dropped: too many open connections', {
      maxConnections: server.maxConnections,
      peer: data ? `${data.remoteAddress ?? '?'}:${data.remotePort ?? '?'}` : undefined,
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => opts.log.error('DICOM listener error', { err: err.message }));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

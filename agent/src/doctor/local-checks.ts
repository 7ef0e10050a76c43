import { randomBytes } from 'node:crypto';
import { open, rm, statfs } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { AgentConfig } from '../config.js';
import { echoPeer } from '../dicom/echo-peer.js';
import { fail, ok, type CheckLine } from './doctor-check.js';

const mb = (bytes: number): string => `${Math.round(bytes / (1024 * 1024))} MB`;

/** A small file written, fsync'd and removed: what the agent does with every image. */
export async function checkWritable(name: string, dir: string, setting: string): Promise<CheckLine> {
  const probe = path.join(dir, `.doctor-${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(probe, 'w');
    try {
      await handle.write(randomBytes(64 * 1024));
      await handle.sync();
    } finally {
      await handle.close();
    }
    return ok(name, `${dir} is writable`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    return fail(
      name,
      `cannot write in ${dir} (${code})`,
      code === 'ENOSPC'
        ? 'the disk is full: free space on it'
        : `give the service's user write access to it, or set ${setting}`,
    );
  } finally {
    await rm(probe, { force: true });
  }
}

export async function checkFreeSpace(config: AgentConfig): Promise<CheckLine> {
  try {
    const s = await statfs(config.spoolDir);
    const free = s.bavail * s.bsize;
    if (free < config.minFreeDiskBytes)
      return fail(
        'free disk space',
        `${mb(free)} free for the spool, below the ${mb(config.minFreeDiskBytes)} the agent keeps: images are refused`,
        'free space on that disk, or move LIGHTBOX_SPOOL_DIR to a larger one',
      );
    return ok('free disk space', `${mb(free)} free for the spool (keeps ${mb(config.minFreeDiskBytes)})`);
  } catch (err) {
    return fail('free disk space', `cannot read it (${String(err)})`, 'check LIGHTBOX_SPOOL_DIR');
  }
}

/** Free to bind, or already bound by this agent running as a service (it answers C-ECHO). */
export async function checkDicomPort(config: AgentConfig): Promise<CheckLine> {
  const name = 'DICOM port';
  const where = `${config.dicomHost}:${config.dicomPort}`;
  const bound = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    const server = net.createServer();
    server.once('error', (err) => resolve(err));
    server.listen(config.dicomPort, config.dicomHost, () => server.close(() => resolve(null)));
  });
  if (!bound) return ok(name, `${where} can be bound`);
  if (bound.code === 'EADDRINUSE') {
    const host = config.dicomHost === '0.0.0.0' || config.dicomHost === '::' ? '127.0.0.1' : config.dicomHost;
    const echo = await echoPeer({
      host,
      port: config.dicomPort,
      callingAe: 'LIGHTBOX-DOCTOR',
      calledAe: config.aeTitle,
      timeoutMs: 3_000,
    });
    if (echo.ok)
      return ok(name, `${where} is in use by the running agent (it answers C-ECHO as ${config.aeTitle})`);
    return fail(
      name,
      `${where} is in use by another program`,
      'stop that program, or set LIGHTBOX_DICOM_PORT',
    );
  }
  return fail(
    name,
    `${where} cannot be bound (${bound.code ?? bound.message})`,
    bound.code === 'EACCES'
      ? 'ports below 1024 need privileges: use 11112 or give the service the right'
      : 'check LIGHTBOX_DICOM_HOST and LIGHTBOX_DICOM_PORT',
  );
}

/** Each modality whose profile names an address, and the PACS, answer a C-ECHO from the agent. */
export async function checkPeers(config: AgentConfig): Promise<CheckLine[]> {
  const lines: CheckLine[] = [];
  for (const profile of config.worklist.profiles) {
    const name = `modality ${profile.aeTitle}`;
    if (!profile.host || !profile.port) {
      lines.push(ok(name, 'no host and port in its profile: the agent never calls it'));
      continue;
    }
    const echo = await echoPeer({
      host: profile.host,
      port: profile.port,
      callingAe: config.aeTitle,
      calledAe: profile.aeTitle,
      timeoutMs: 5_000,
    });
    lines.push(
      echo.ok
        ? ok(name, `${profile.host}:${profile.port} answers C-ECHO (${echo.ms} ms)`)
        : fail(
            name,
            `${profile.host}:${profile.port} does not answer C-ECHO: ${echo.reason}`,
            `is the modality on, its DICOM service running, and host/port in its profile right?`,
          ),
    );
  }
  const forwarding = config.forwarding;
  if (forwarding) {
    const { pacs } = forwarding;
    const echo = await echoPeer({
      host: pacs.host,
      port: pacs.port,
      callingAe: forwarding.callingAeTitle,
      calledAe: pacs.aeTitle,
      timeoutMs: 5_000,
    });
    lines.push(
      echo.ok
        ? ok(
            'PACS forward target',
            `${pacs.aeTitle}@${pacs.host}:${pacs.port} answers C-ECHO (${echo.ms} ms)`,
          )
        : fail(
            'PACS forward target',
            `${pacs.aeTitle}@${pacs.host}:${pacs.port} does not answer C-ECHO: ${echo.reason}`,
            `check LIGHTBOX_FORWARD_PACS, and that the PACS knows the AE title ${forwarding.callingAeTitle}`,
          ),
    );
  }
  return lines;
}

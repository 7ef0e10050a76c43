import net from 'node:net';
import { z } from 'zod';
import type { ConnectorKind, DeliveryOutcome } from '../connector-kind.js';
import { Hl7Applier } from './hl7-applier.js';
import { Hl7Intake } from './hl7-intake.js';
import { Hl7Listener } from './hl7-listener.js';
import { translateForHl7, type Hl7Payload } from './hl7-outbound.js';
import { hl7Settings, type Hl7Settings } from './hl7-settings.js';
import { MllpClient } from './mllp-client.js';

/**
 * HL7 v2 over MLLP, as OpenVPMS and server-based practice systems speak it: orders in as ORM^O01 /
 * OMI^O23, status out as ORM^O01 SC, images out as ORU^R01.
 */
export const hl7Connector: ConnectorKind<typeof hl7Settings> = {
  kind: 'hl7',
  settingsSchema: hl7Settings,
  secretsSchema: z.object({}).strict(),

  async start(ctx) {
    const settings = ctx.settings as Hl7Settings;
    const { connector, database, log } = ctx;
    const applier = new Hl7Applier({
      database,
      commands: ctx.commands,
      siteId: connector.siteId,
      connectorId: connector.id,
      pimsSiteId: settings.pimsSiteId,
      traffic: ctx.traffic,
      log,
      notifyAgents: ctx.notifyAgents,
    });
    // Messages accepted before a stop are applied now.
    applier.wake();
    let listener: Hl7Listener | null = null;
    if (settings.listen) {
      listener = new Hl7Listener({
        host: settings.listen.host,
        port: settings.listen.port,
        maxMessageBytes: settings.maxMessageBytes,
        frameTimeoutMs: settings.frameTimeoutMs,
        connectorId: connector.id,
        traffic: ctx.traffic,
        log,
        intake: new Hl7Intake({
          database,
          siteId: connector.siteId,
          connectorId: connector.id,
          settings,
          timeZone: ctx.services.timeZone,
          traffic: ctx.traffic,
          accepted: () => applier.wake(),
        }),
      });
      try {
        const port = await listener.start();
        log.info('HL7 listener up', { connectorId: connector.id, host: settings.listen.host, port });
      } catch (err) {
        await applier.stop();
        throw err;
      }
    }
    const client = settings.outbound
      ? new MllpClient({
          host: settings.outbound.host,
          port: settings.outbound.port,
          ackTimeoutMs: settings.ackTimeoutMs,
          check: (host, port) => ctx.services.outbound.checkHost(host, port),
        })
      : null;
    return {
      translate: (event) => translateForHl7(event, settings, connector.siteId, database.db, ctx.services),
      async deliver(payload): Promise<DeliveryOutcome> {
        if (!client) return { kind: 'rejected', error: 'no outbound destination configured' };
        const p = payload as Hl7Payload;
        const result = await client.send(Buffer.from(p.text, 'utf8'), p.controlId);
        if (result.kind === 'unreachable') return result;
        // Original and enhanced acknowledgement modes: AA/CA taken; AR/CR "try again"; AE/CE refused.
        if (result.code === 'AA' || result.code === 'CA') return { kind: 'delivered', detail: result.code };
        if (result.code === 'AR' || result.code === 'CR') {
          return { kind: 'retry', error: `${result.code}${result.text ? `: ${result.text}` : ''}` };
        }
        return { kind: 'rejected', error: `${result.code}${result.text ? `: ${result.text}` : ''}` };
      },
      async stop() {
        client?.close();
        await listener?.stop();
        await applier.stop();
      },
    };
  },

  async test(ctx) {
    const settings = ctx.settings as Hl7Settings;
    if (!settings.outbound)
      return { ok: true, detail: 'no outbound destination to check; the listener takes orders' };
    const { host, port } = settings.outbound;
    try {
      await ctx.services.outbound.checkHost(host, port);
      await new Promise<void>((resolve, reject) => {
        const socket = net.connect({ host, port });
        const timer = setTimeout(() => {
          socket.destroy();
          reject(new Error(`no connection within ${settings.ackTimeoutMs} ms`));
        }, settings.ackTimeoutMs);
        socket.once('connect', () => {
          clearTimeout(timer);
          socket.end();
          resolve();
        });
        socket.once('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      });
      return { ok: true, detail: `connected to ${host}:${port}` };
    } catch (err) {
      return { ok: false, detail: `${host}:${port}: ${err instanceof Error ? err.message : String(err)}` };
    }
  },
};

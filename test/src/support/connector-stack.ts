import { LightboxStack } from './lightbox-stack.js';
import { waitUntil } from './managed-process.js';
import type { CreatedOrder } from './mpps-fixtures.js';

/**
 * The stack a PIMS connector runs on: one DR station, completion and result write-back as soon as
 * the study is quiet, dates in UTC, and loopback allowed for outbound calls — the PIMS's side runs
 * on this machine.
 */
export function connectorStack(pluginEnv: Record<string, string> = {}): LightboxStack {
  return new LightboxStack({
    stations: [{ aeTitle: 'DR1', modality: 'DX' }],
    pluginEnv: {
      LIGHTBOX_COMPLETION_WAIT_MS: '0',
      LIGHTBOX_STUDY_QUIET_MS: '500',
      LIGHTBOX_TIMEZONE: 'UTC',
      LIGHTBOX_OUTBOUND_ALLOW: '127.0.0.0/8',
      ...pluginEnv,
    },
  });
}

/** Waits until the plugin says the connector is running, as its status endpoint shows it. */
export async function waitConnectorRunning(stack: LightboxStack, connectorId: string): Promise<void> {
  await waitUntil('connector running', async () => {
    const view = (await (await stack.api('GET', `/v1/connectors/${connectorId}`)).json()) as {
      running: boolean;
    };
    return view.running;
  });
}

export type OrderItem = CreatedOrder & { status: string; pimsOrderId: string };

/** The orders the API lists for one PIMS patient. */
export async function ordersOfPatient(stack: LightboxStack, patientId: string): Promise<OrderItem[]> {
  const res = await stack.api('GET', `/v1/orders?pimsPatientId=${encodeURIComponent(patientId)}`);
  return ((await res.json()) as { items: OrderItem[] }).items;
}

import type { Database } from '../../db/database.js';
import { createOrderBody, type CreateOrderBody } from '../order-dto.js';
import { OrderCommands } from '../order-commands.js';

/** The order commands over a test database, in UTC, waking no agent. */
export function testOrderCommands(database: Database): OrderCommands {
  return new OrderCommands({ database, timeZone: 'UTC', notifyAgents: () => undefined });
}

/** An order as a PIMS would post it: one pet of one client, one procedure, on 23 November 2026. */
export function testOrderBody(
  pimsOrderId: string,
  patientId: string,
  species: string,
  procedure: { modality?: string; stationAeTitle?: string } = {},
): CreateOrderBody {
  const { modality = 'DX', stationAeTitle } = procedure;
  return createOrderBody.parse({
    pims: { system: 'ezyvet', siteId: 'main' },
    pimsOrderId,
    procedure: { code: 'XR', description: 'Thorax', modality },
    scheduled: { at: '2026-11-23T09:00:00Z', ...(stationAeTitle ? { stationAeTitle } : {}) },
    patient: { id: patientId, name: 'Max', species },
    client: { id: 'C1', lastName: 'Smith' },
  });
}

import { afterEach, beforeEach } from 'vitest';
import type { Database } from '../../db/database.js';
import { siteWithAgent, type SiteWithAgent } from '../../db/test-support/site-with-agent.js';
import { createOrderBody, type CreateOrderBody } from '../order-dto.js';
import { OrderCommands } from '../order-commands.js';

/** The order commands over a test database, in UTC, waking no agent. */
export function testOrderCommands(database: Database): OrderCommands {
  return new OrderCommands({ database, timeZone: 'UTC', notifyAgents: () => undefined });
}

export interface SiteWithOrders {
  /** The test's folder, holding the database; the test may keep other files in it. */
  readonly dir: string;
  readonly database: Database;
  readonly commands: OrderCommands;
}

/**
 * A fresh `siteWithAgent` and its order commands for each test of the file, removed after it.
 * Call it at the top of a test file; read its properties inside the tests.
 */
export function useSiteWithOrders(prefix: string): SiteWithOrders {
  let fixture: SiteWithAgent | undefined;
  let commands: OrderCommands | undefined;
  beforeEach(async () => {
    fixture = await siteWithAgent(prefix);
    commands = testOrderCommands(fixture.database);
  });
  afterEach(() => fixture?.remove());
  return {
    get dir() {
      return fixture!.dir;
    },
    get database() {
      return fixture!.database;
    },
    get commands() {
      return commands!;
    },
  };
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

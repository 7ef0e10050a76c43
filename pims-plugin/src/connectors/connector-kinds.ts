import type { ConnectorKind } from './connector-kind.js';
import { ezyvetConnector } from './ezyvet/ezyvet-connector.js';
import { hl7Connector } from './hl7/hl7-connector.js';
import { provetConnector } from './provet/provet-connector.js';

/** Every PIMS dialect this plugin speaks, by `kind`. */
export const connectorKinds: ReadonlyMap<string, ConnectorKind> = new Map<string, ConnectorKind>([
  [hl7Connector.kind, hl7Connector],
  [ezyvetConnector.kind, ezyvetConnector],
  [provetConnector.kind, provetConnector],
]);

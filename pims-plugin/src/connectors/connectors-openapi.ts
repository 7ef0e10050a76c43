import { z } from 'zod';
import { operation } from '../openapi/api-operation.js';
import { createConnectorBody, trafficQuery } from './connectors-routes.js';

const trafficEntry = z.object({
  id: z.number().int(),
  direction: z.enum(['in', 'out']).meta({ description: '`in`: from the PIMS; `out`: to it.' }),
  at: z.iso.datetime(),
  label: z
    .string()
    .meta({ description: 'What it was: `ORM^O01 NW`, `ORU^R01 3 images`, `connection test`.' }),
  outcome: z.enum(['ok', 'rejected', 'failed']).meta({
    description:
      '`rejected`: answered or refused with an error (an HL7 AE/AR, a 4xx); `failed`: not delivered, retried.',
  }),
  detail: z.string().nullable(),
  excerpt: z
    .string()
    .nullable()
    .meta({ description: 'The message as sent or received, cut to 2,000 characters.' }),
});

const connectorView = z.object({
  connectorId: z.string(),
  kind: z.string(),
  name: z.string(),
  status: z.enum(['active', 'disabled']),
  settings: z.record(z.string(), z.unknown()).meta({ description: 'As validated, defaults filled in.' }),
  secretsSet: z
    .array(z.string())
    .meta({ description: 'Which secrets are set; their values are never shown.' }),
  createdAt: z.iso.datetime(),
  disabledAt: z.iso.datetime().nullable(),
  outbox: z.object({
    pending: z.number().int().meta({ description: 'Messages owed to the PIMS, not yet taken.' }),
  }),
  running: z.boolean().meta({ description: 'Running on the plugin instance that answered.' }),
});

const connectorDetail = connectorView.extend({
  traffic: z.object({
    recent: z.array(trafficEntry).meta({ description: 'The last 10 messages either way.' }),
    failures: z.array(trafficEntry).meta({ description: 'The last 10 that were refused or not delivered.' }),
  }),
});

const connector = { name: 'Connector', schema: connectorView };
const idParam = { connectorId: 'The `connectorId` answered on creation.' };

export const connectorOperations = [
  operation({
    method: 'post',
    path: '/v1/connectors',
    operationId: 'createConnector',
    tag: 'Connectors',
    summary: 'Connect a PIMS that speaks HL7 v2, ezyVet or Provet Cloud',
    description:
      'Starts at once (and on every plugin start): an HL7 connector listens for orders on its port and ' +
      "sends status and results to its outbound host; the others follow their vendor's API. A connector " +
      'hears of what happens from its creation on. Secrets are stored encrypted and never shown again.',
    auth: 'apiKey',
    body: {
      name: 'CreateConnectorRequest',
      schema: createConnectorBody,
      example: {
        kind: 'hl7',
        name: 'OpenVPMS',
        settings: {
          listen: { port: 2575 },
          outbound: { host: 'pims.clinic.lan', port: 2576 },
          defaultModality: 'DX',
        },
      },
    },
    responses: { 201: { description: 'Created and started.', body: connector } },
    problems: [409],
  }),
  operation({
    method: 'get',
    path: '/v1/connectors',
    operationId: 'listConnectors',
    tag: 'Connectors',
    summary: "The site's connectors",
    auth: 'apiKey',
    responses: {
      200: {
        description: 'All of them, oldest first.',
        body: { name: 'ConnectorList', schema: z.object({ items: z.array(connectorView) }) },
      },
    },
  }),
  operation({
    method: 'get',
    path: '/v1/connectors/{connectorId}',
    operationId: 'getConnector',
    tag: 'Connectors',
    summary: 'One connector, with its last messages and failures',
    auth: 'apiKey',
    pathParams: idParam,
    responses: {
      200: { description: 'The connector.', body: { name: 'ConnectorDetail', schema: connectorDetail } },
    },
    problems: [404],
  }),
  operation({
    method: 'get',
    path: '/v1/connectors/{connectorId}/traffic',
    operationId: 'listConnectorTraffic',
    tag: 'Connectors',
    summary: "A connector's traffic, newest first",
    description: 'The last 500 messages each way are kept.',
    auth: 'apiKey',
    pathParams: idParam,
    query: trafficQuery,
    responses: {
      200: {
        description: 'One page.',
        body: {
          name: 'ConnectorTrafficPage',
          schema: z.object({ items: z.array(trafficEntry), next: z.string().nullable() }),
        },
      },
    },
    problems: [404],
  }),
  operation({
    method: 'post',
    path: '/v1/connectors/{connectorId}/test',
    operationId: 'testConnector',
    tag: 'Connectors',
    summary: 'Check that the PIMS can be reached and the credentials work',
    auth: 'apiKey',
    pathParams: idParam,
    responses: {
      200: {
        description: 'What the check found; it is also recorded in the traffic.',
        body: { name: 'ConnectorTestResult', schema: z.object({ ok: z.boolean(), detail: z.string() }) },
      },
    },
    problems: [404, 409],
  }),
  operation({
    method: 'post',
    path: '/v1/connectors/{connectorId}/disable',
    operationId: 'disableConnector',
    tag: 'Connectors',
    summary: 'Stop a connector for good',
    description: 'Its listener closes and nothing more is sent; its record and traffic stay readable.',
    auth: 'apiKey',
    pathParams: idParam,
    responses: { 200: { description: 'Disabled.', body: connector } },
    problems: [404],
  }),
];

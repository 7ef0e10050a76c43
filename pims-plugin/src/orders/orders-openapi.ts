import { z } from 'zod';
import {
  cancelOrderBody,
  completeOrderBody,
  createOrderBody,
  orderClient,
  orderCreatedResponse,
  orderPatient,
  orderProcedure,
  orderSchedule,
  orderStatus,
  patchOrderBody,
  requestingVet,
} from './order-dto.js';
import { taggedOperations, type ApiOperation, type TaggedOperation } from '../openapi/api-operation.js';
import { listQuery } from './orders-routes.js';

/** The order as `order-queries.ts` shows it: what the PIMS sent, the identifiers, where it stands. */
const orderView = z.object({
  orderId: z.string(),
  status: orderStatus,
  pims: createOrderBody.shape.pims,
  pimsOrderId: z.string(),
  invoice: createOrderBody.shape.invoice.unwrap().nullable(),
  accessionNumber: z.string(),
  requestedProcedureId: z.string(),
  scheduledProcedureStepId: z.string(),
  studyInstanceUid: z.string(),
  procedure: orderProcedure,
  scheduled: orderSchedule.optional(),
  priority: createOrderBody.shape.priority,
  reason: z.string().nullable(),
  requestingVet: requestingVet.nullable(),
  patient: orderPatient,
  client: orderClient,
  revision: z.number().int().meta({ description: 'Grows with every correction.' }),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

const orderDetail = orderView.extend({
  timeline: z
    .array(
      z.object({
        at: z.iso.datetime(),
        status: orderStatus,
        change: z
          .string()
          .meta({ description: 'What happened, e.g. `created`, `corrected`, `mpps:completed`.' }),
        reason: z.string().nullable(),
      }),
    )
    .meta({ description: 'Each change of the order, oldest first.' }),
  studies: z.array(z.unknown()),
});

const orderPage = z.object({
  items: z.array(orderView),
  next: z.string().nullable().meta({ description: 'The `cursor` of the next page; null on the last one.' }),
});

const orderIdParam = { orderId: 'The `orderId` Lightbox answered on creation.' };
const order = { name: 'Order', schema: orderDetail };

/** The example order of docs/api.md, shown on the docs page. */
const createExample = {
  pims: { system: 'ezyvet', siteId: 'main' },
  pimsOrderId: 'INV-1001-3',
  invoice: { id: 'INV-1001', lineId: '3', productCode: 'XR-THORAX-2V' },
  procedure: { code: 'XR-THORAX', description: 'Thorax 2 views', modality: 'DX', bodyPart: 'CHEST' },
  scheduled: { at: '2026-11-22T09:00:00Z', stationAeTitle: 'DR1' },
  priority: 'routine',
  reason: 'coughing 2 weeks',
  requestingVet: { id: 'V12', name: 'Jane Doe' },
  patient: {
    id: 'P100',
    name: 'Max',
    species: 'Canine',
    breed: 'Labrador Retriever',
    sex: 'male',
    neutered: true,
    birthDate: '2019-04-01',
    weightKg: 31.5,
    microchip: '985112345678901',
  },
  client: { id: 'C77', lastName: 'Smith', firstName: 'Anna' },
};

/**
 * A change a PIMS asks of one order (correct, cancel, complete): it answers with the order as it
 * now stands, 404 for an order of another site, 409 when the order's status forbids the change.
 */
function orderChange(
  op: Pick<ApiOperation, 'method' | 'path' | 'operationId' | 'summary' | 'description' | 'body'> & {
    answer: string;
  },
): TaggedOperation {
  const { answer, ...rest } = op;
  return {
    ...rest,
    pathParams: orderIdParam,
    responses: { 200: { description: answer, body: order } },
    problems: [404, 409],
  };
}

export const orderOperations = taggedOperations('Orders', [
  {
    method: 'post',
    path: '/v1/orders',
    operationId: 'createOrder',
    summary: 'Create an imaging order from an invoice line',
    description:
      'Idempotent on `(pims.system, pims.siteId, pimsOrderId)`: repeating the same request answers 200 with ' +
      'the same order, never a second one; the same key with a different body is 409, naming the ' +
      '`differingFields`. Names (pet, client, vets) may not hold `^`, `=`, `\\` or control characters ' +
      '(422): they separate DICOM name parts. Dates must be real calendar dates. `client` needs `lastName` (a person) or `organization` (a farm, ' +
      'shelter); `requestingVet` needs `name` or `familyName`. Identifiers a PIMS mints itself are ' +
      'validated and used as given; absent ones are minted.',
    body: { name: 'CreateOrderRequest', schema: createOrderBody, example: createExample },
    responses: {
      201: {
        description: 'Created; the worklist item is on its way to the agents.',
        body: { name: 'OrderCreated', schema: orderCreatedResponse },
      },
      200: {
        description: 'The same PIMS order again: the order created before.',
        body: { name: 'OrderCreated', schema: orderCreatedResponse },
      },
    },
    problems: [409],
  },
  {
    method: 'get',
    path: '/v1/orders',
    operationId: 'listOrders',
    summary: 'List orders, oldest change first',
    description: 'Follow `next` with `cursor`, or poll with `updatedSince`.',
    query: listQuery,
    responses: {
      200: { description: 'One page of orders.', body: { name: 'OrderPage', schema: orderPage } },
    },
  },
  {
    method: 'get',
    path: '/v1/orders/{orderId}',
    operationId: 'getOrder',
    summary: 'An order, its status, its timeline and its studies',
    pathParams: orderIdParam,
    responses: { 200: { description: 'The order.', body: order } },
    problems: [404],
  },
  orderChange({
    method: 'patch',
    path: '/v1/orders/{orderId}',
    operationId: 'correctOrder',
    summary: 'Correct the patient, procedure or schedule while the order is scheduled',
    description: 'What is given replaces what was there; the worklist follows.',
    body: { name: 'CorrectOrderRequest', schema: patchOrderBody },
    answer: 'The corrected order.',
  }),
  orderChange({
    method: 'post',
    path: '/v1/orders/{orderId}/cancel',
    operationId: 'cancelOrder',
    summary: 'Cancel an order before acquisition',
    description: 'The worklist item disappears from every agent.',
    body: { name: 'CancelOrderRequest', schema: cancelOrderBody },
    answer: 'The cancelled order.',
  }),
  orderChange({
    method: 'post',
    path: '/v1/orders/{orderId}/complete',
    operationId: 'completeOrder',
    summary: 'Mark an order done by hand',
    description: 'For a modality that sends neither MPPS nor images; the note is kept in the timeline.',
    body: { name: 'CompleteOrderRequest', schema: completeOrderBody },
    answer: 'The completed order.',
  }),
]);

import { z } from 'zod';
import { performedStepMessage } from '@lightbox/protocol';
import { taggedOperations } from '../openapi/api-operation.js';
import { linkStepBody, unscheduledListQuery } from './reconciliation-routes.js';

const step = performedStepMessage.shape;

const suggestion = z.object({
  orderId: z.string(),
  pimsOrderId: z.string(),
  pimsPatientId: z.string(),
  accessionNumber: z.string(),
  patientName: z.string().nullable(),
  modality: z.string(),
  status: z.string(),
  scheduledDate: z.string().nullable(),
  score: z.number(),
  reasons: z.array(z.string()).meta({ description: '`patient id`, `patient name`, `modality`, `date`.' }),
});

const performedStepView = z.object({
  sopInstanceUid: z.string(),
  status: step.status,
  modality: z.string().nullable(),
  performedStationAeTitle: z.string(),
  orderIds: z.array(z.string()),
  unscheduled: z
    .boolean()
    .meta({ description: 'No order could be found; it waits for a person to link it.' }),
  scheduledSteps: step.scheduledSteps,
  performedSeries: step.performedSeries,
  discontinuationReason: step.discontinuationReason.unwrap().nullable(),
  agentId: z.string(),
  history: z.array(z.object({ at: z.iso.datetime(), event: z.string(), status: step.status })),
  suggestions: z
    .array(suggestion)
    .meta({ description: 'Orders a person might link an unscheduled step to, best first.' }),
});

const unscheduledPage = z.object({
  items: z.array(
    z.object({
      sopInstanceUid: z.string(),
      status: step.status,
      modality: z.string().nullable(),
      performedStationAeTitle: z.string(),
      performed: z.object({
        patientId: z.string().nullable(),
        patientName: z.string().nullable(),
        startDate: z.string().nullable(),
      }),
      updatedAt: z.iso.datetime(),
      suggestions: z.array(suggestion),
    }),
  ),
  next: z.string().nullable().meta({ description: 'The `before` of the next page; null on the last one.' }),
});

const uidParam = { uid: 'The MPPS SOP Instance UID.' };

export const performedStepOperations = taggedOperations('Performed steps', [
  {
    method: 'get',
    path: '/v1/performed-steps/{uid}',
    operationId: 'getPerformedStep',
    summary: 'An MPPS as recorded, with the orders it was linked to',
    pathParams: uidParam,
    responses: {
      200: { description: 'The performed step.', body: { name: 'PerformedStep', schema: performedStepView } },
    },
    problems: [404],
  },
  {
    method: 'get',
    path: '/v1/reconciliation/performed-steps',
    operationId: 'listUnscheduledSteps',
    summary: 'Unscheduled MPPS waiting for a person, with suggested orders',
    query: unscheduledListQuery,
    responses: {
      200: { description: 'Newest first.', body: { name: 'UnscheduledStepPage', schema: unscheduledPage } },
    },
  },
  {
    method: 'post',
    path: '/v1/performed-steps/{uid}/link',
    operationId: 'linkPerformedStep',
    summary: 'Link an unscheduled MPPS to the orders a person chose',
    description: 'All or nothing: the step is applied to every order given, or to none.',
    pathParams: uidParam,
    body: { name: 'LinkPerformedStepRequest', schema: linkStepBody },
    responses: {
      200: {
        description: 'Linked.',
        body: {
          name: 'PerformedStepLinked',
          schema: z.object({ sopInstanceUid: z.string(), orderIds: z.array(z.string()) }),
        },
      },
    },
    problems: [404, 409],
  },
]);

import { z } from 'zod';
import { operation } from '../openapi/api-operation.js';
import { eventTypes } from '../events/event-catalogue.js';
import { createWebhookBody, deliveriesQuery } from './webhooks-routes.js';

const webhookView = z.object({
  webhookId: z.string(),
  url: z.string(),
  types: z.array(z.enum(eventTypes)).nullable().meta({ description: 'null: every type.' }),
  status: z.enum(['active', 'failed']).meta({
    description:
      '`failed`: one event could not be delivered for the whole retry period (24 hours by default). ' +
      'Delivery is paused at that event, nothing is skipped; `POST …/resume` continues from it.',
  }),
  createdAt: z.iso.datetime(),
  delivery: z.object({
    pendingEventId: z.string().nullable().meta({
      description: 'The next event to deliver (or the one being retried); null when all are delivered.',
    }),
    failedAttempts: z.number().int().meta({ description: 'Failed attempts at the pending event.' }),
    nextAttemptAt: z.iso.datetime().nullable(),
    lastError: z.string().nullable(),
    failedAt: z.iso.datetime().nullable(),
  }),
});

const deliveryPage = z.object({
  items: z.array(
    z.object({
      eventId: z.string(),
      eventType: z.string(),
      attempt: z.number().int().meta({ description: 'The attempt number at this event, from 1.' }),
      at: z.iso.datetime().meta({ description: 'When the request started.' }),
      durationMs: z.number().int(),
      statusCode: z.number().int().nullable().meta({ description: 'null when no answer came.' }),
      error: z
        .string()
        .nullable()
        .meta({
          description:
            'Why it failed, classified by the plugin: `http_status: HTTP 503`, `timeout: …`, ' +
            '`connection_refused: …`, `address_loopback: …` (the URL resolved inside the network), … — ' +
            "never the receiver's answer.",
        }),
      outcome: z.enum(['delivered', 'retrying', 'gave_up']),
    }),
  ),
  next: z
    .string()
    .nullable()
    .meta({ description: 'The `cursor` of the next (older) page; null on the last one.' }),
});

const webhook = { name: 'Webhook', schema: webhookView };
const webhookIdParam = { webhookId: 'The `webhookId` answered on creation.' };

export const webhookOperations = [
  operation({
    method: 'post',
    path: '/v1/webhooks',
    operationId: 'createWebhook',
    tag: 'Events',
    summary: 'Subscribe a URL to the events',
    description:
      'Each event that happens from now on (earlier ones are in the feed) is POSTed to `url`, one at ' +
      'a time and in order, signed with `secret` (`Lightbox-Signature`). A delivery that does not get a ' +
      '2xx within the timeout is retried with exponential backoff and jitter for 24 hours; later events ' +
      'wait behind it. Delivery is at least once: the same `Lightbox-Event-Id` may arrive again (after ' +
      'a crash between the answer and its record); it is the same event.',
    auth: 'apiKey',
    body: {
      name: 'CreateWebhookRequest',
      schema: createWebhookBody,
      example: {
        url: 'https://pims.example/lightbox/events',
        secret: 'a long random string',
        types: ['order.completed'],
      },
    },
    responses: { 201: { description: 'Subscribed. The secret is never shown again.', body: webhook } },
  }),
  operation({
    method: 'get',
    path: '/v1/webhooks',
    operationId: 'listWebhooks',
    tag: 'Events',
    summary: 'The subscriptions of the site, with where their delivery stands',
    auth: 'apiKey',
    responses: {
      200: {
        description: 'Every subscription, oldest first.',
        body: { name: 'WebhookList', schema: z.object({ items: z.array(webhookView) }) },
      },
    },
  }),
  operation({
    method: 'get',
    path: '/v1/webhooks/{webhookId}',
    operationId: 'getWebhook',
    tag: 'Events',
    summary: 'One subscription and where its delivery stands',
    auth: 'apiKey',
    pathParams: webhookIdParam,
    responses: { 200: { description: 'The subscription.', body: webhook } },
    problems: [404],
  }),
  operation({
    method: 'delete',
    path: '/v1/webhooks/{webhookId}',
    operationId: 'deleteWebhook',
    tag: 'Events',
    summary: 'Unsubscribe',
    description: 'Nothing more is sent; a request in flight may still arrive. The delivery log goes with it.',
    auth: 'apiKey',
    pathParams: webhookIdParam,
    responses: { 204: { description: 'Gone.' } },
    problems: [404],
  }),
  operation({
    method: 'post',
    path: '/v1/webhooks/{webhookId}/resume',
    operationId: 'resumeWebhook',
    tag: 'Events',
    summary: 'Resume a failed subscription, or retry a waiting one now',
    description: 'Delivery continues from the pending event, with a fresh retry period.',
    auth: 'apiKey',
    pathParams: webhookIdParam,
    responses: { 200: { description: 'The subscription, active again.', body: webhook } },
    problems: [404],
  }),
  operation({
    method: 'get',
    path: '/v1/webhooks/{webhookId}/deliveries',
    operationId: 'listWebhookDeliveries',
    tag: 'Events',
    summary: 'The delivery log: every attempt, newest first',
    description: 'The latest 1000 attempts of the subscription are kept.',
    auth: 'apiKey',
    pathParams: webhookIdParam,
    query: deliveriesQuery,
    responses: {
      200: {
        description: 'One page of attempts.',
        body: { name: 'WebhookDeliveryPage', schema: deliveryPage },
      },
    },
    problems: [404],
  }),
];

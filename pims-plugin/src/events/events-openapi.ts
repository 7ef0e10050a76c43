import { z } from 'zod';
import { operation } from '../openapi/api-operation.js';
import { eventEnvelopeSchema } from './event-catalogue.js';
import { eventFeedQuery } from './events-routes.js';

const eventPage = z.object({
  items: z
    .array(eventEnvelopeSchema)
    .meta({ description: 'Oldest first, in the one order every event has.' }),
  next: z.string().meta({
    description:
      'Pass it as `after` for what follows; when nothing new has happened it is `after` again, so a ' +
      'PIMS can poll with it forever.',
  }),
  hasMore: z.boolean().meta({ description: 'More events follow already; ask again without waiting.' }),
});

export const eventOperations = [
  operation({
    method: 'get',
    path: '/v1/events',
    operationId: 'listEvents',
    tag: 'Events',
    summary: 'The events feed, oldest first',
    description:
      'Every event of the site, in one total order, each with the same `id` a webhook delivery ' +
      'carries. A PIMS that cannot take webhooks polls it; one that can catches up here after an ' +
      'outage.',
    auth: 'apiKey',
    query: eventFeedQuery,
    responses: {
      200: { description: 'One page of events.', body: { name: 'EventPage', schema: eventPage } },
    },
  }),
];

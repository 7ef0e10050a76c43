import { z } from 'zod';
import type { EventType } from '../events/event-store.js';

/**
 * What each event type means to a PIMS (docs/api.md, "Events"). Keyed by the
 * store's own `EventType`, so a type added there fails the type check until it is described here.
 */
export const eventCatalogue: Record<EventType, { when: string; pimsAction: string }> = {
  'order.scheduled': { when: 'The worklist item is published.', pimsAction: 'Shows "sent to X-ray".' },
  'order.in_progress': { when: 'The modality started the step.', pimsAction: 'Optional.' },
  'order.completed': {
    when: 'Done: MPPS, images stable without MPPS, or by hand; `data.reason` says which.',
    pimsAction: 'Marks the invoice line "order complete".',
  },
  'order.discontinued': {
    when: 'The modality abandoned the step.',
    pimsAction: 'Removes or zeroes the charge.',
  },
  'order.cancelled': { when: 'Cancelled through the API.', pimsAction: '—' },
  'study.received': {
    when: 'The first images of a study arrived.',
    pimsAction: 'Refreshes the chart panel.',
  },
  'attachment.ready': {
    when: 'Thumbnails and previews of a study are ready.',
    pimsAction: 'Attaches them to the medical record.',
  },
  'study.unmatched': {
    when: 'Images arrived that no order claims.',
    pimsAction: 'Asks a person to link them.',
  },
  'agent.disk_low': {
    when: "An agent's spool disk fell below its free-space threshold: it refuses images until space is freed.",
    pimsAction: 'Tells the practice to call its support.',
  },
  'agent.disk_ok': {
    when: "The agent's spool disk has room again: images are taken.",
    pimsAction: 'Clears the warning.',
  },
};

export const eventTypes = Object.keys(eventCatalogue) as [EventType, ...EventType[]];

/** The envelope of every event, in the feed and in a webhook delivery alike. */
export const eventEnvelopeSchema = z.object({
  id: z.string().meta({ description: 'The same id each time the event is delivered again.' }),
  type: z.enum(eventTypes),
  occurredAt: z.iso.datetime({ offset: true }),
  data: z.record(z.string(), z.unknown()).meta({
    description:
      'The ids the PIMS needs: `orderId`, `pimsOrderId`, `invoice`, `accessionNumber`, `studyId`, `status`, …',
  }),
});

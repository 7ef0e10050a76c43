import { z } from 'zod';

/** How every connector retries a message its PIMS did not take: doubling waits, capped. */
export const deliverySettings = {
  retryMinMs: z
    .number()
    .int()
    .min(100)
    .max(3_600_000)
    .default(1_000)
    .meta({ description: 'The first wait after a failed delivery; each further failure doubles it.' }),
  retryMaxMs: z
    .number()
    .int()
    .min(100)
    .max(86_400_000)
    .default(300_000)
    .meta({ description: 'The longest wait between two attempts. Messages are retried until taken.' }),
};

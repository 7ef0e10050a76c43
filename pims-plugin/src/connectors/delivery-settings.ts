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

/** The PIMS site a connector speaks for; `description` says which ids it scopes. */
export function pimsSiteIdSetting(description: string) {
  return z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected 1-64 letters, digits, ., - or _')
    .default('main')
    .meta({ description });
}

/** How long one call to a PIMS's API may take before the message waits for a retry. */
export const requestTimeoutSetting = z.number().int().min(500).max(120_000).default(15_000);

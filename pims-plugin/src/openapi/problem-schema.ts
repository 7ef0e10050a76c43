import { z } from 'zod';
import type { ProblemStatus } from './api-operation.js';

/** The body of every error answer (`http/problem.ts`): RFC 9457 problem details. */
export const problemDetails = z.object({
  type: z.string().meta({ description: 'A URI naming the kind of problem.' }),
  title: z.string().meta({ description: 'Short, the same for every problem of this type.' }),
  status: z.number().int().meta({ description: 'The HTTP status code.' }),
  detail: z.string().meta({ description: 'What went wrong with this request.' }),
  errors: z
    .array(
      z.object({
        field: z
          .string()
          .meta({ description: 'Dotted path of the failing field; empty for the whole body.' }),
        message: z.string(),
      }),
    )
    .optional()
    .meta({ description: 'For validation errors (422) and conflicts (409): each failing field.' }),
});

/** The component name and wording of each problem answer in the document. */
export const problemResponses: Record<ProblemStatus, { name: string; description: string }> = {
  400: { name: 'BadRequest', description: 'The request cannot be understood.' },
  401: { name: 'Unauthorized', description: 'The key or token is missing or not valid.' },
  404: { name: 'NotFound', description: 'Nothing with that id in this site.' },
  409: {
    name: 'Conflict',
    description: 'The request contradicts the current state (a used identifier, say).',
  },
  413: { name: 'PayloadTooLarge', description: 'The body is larger than 1 MiB.' },
  415: { name: 'UnsupportedMediaType', description: 'The body is not JSON.' },
  422: {
    name: 'ValidationFailed',
    description: 'The body or query does not match the schema; `errors` names each field.',
  },
  503: { name: 'NotReady', description: 'The service cannot reach its database.' },
};

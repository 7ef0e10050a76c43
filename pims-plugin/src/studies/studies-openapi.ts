import { z } from 'zod';
import { operation } from '../openapi/api-operation.js';
import { matchStudyBody, studyListQuery } from './studies-routes.js';

const studySummary = z.object({
  studyId: z.string(),
  studyInstanceUid: z.string(),
  orderId: z.string().nullable(),
  status: z.enum(['matched', 'unmatched']),
  matchedBy: z
    .enum(['study_instance_uid', 'accession_number', 'step_id', 'patient', 'manual'])
    .nullable()
    .meta({ description: 'How the order was found; never by name.' }),
  performedAt: z.string().nullable(),
  modality: z.string().nullable(),
  description: z.string().nullable(),
  patient: z.object({
    patientId: z.string().nullable(),
    name: z.string().nullable(),
    species: z.string().nullable(),
  }),
  accessionNumber: z.string().nullable(),
  instanceCount: z.number().int(),
  receivedAt: z.iso.datetime(),
});

const studyDetail = studySummary.extend({
  series: z.array(
    z.object({
      seriesInstanceUid: z.string(),
      modality: z.string().nullable(),
      bodyPart: z.string().nullable(),
      description: z.string().nullable(),
      instances: z.array(
        z.object({
          sopInstanceUid: z.string(),
          sopClassUid: z.string(),
          thumbnailUrl: z
            .url()
            .meta({ description: 'JPEG, long edge ≤ 256 px; strong ETag, cached for a year.' }),
          previewUrl: z.url().meta({ description: 'JPEG, long edge ≤ 1024 px.' }),
          placeholderReason: z
            .string()
            .nullable()
            .meta({ description: 'Set when the image could not be drawn: the media are a placeholder.' }),
          conflict: z
            .boolean()
            .meta({ description: 'The same SOP Instance UID also arrived with other bytes.' }),
        }),
      ),
    }),
  ),
  audit: z.array(
    z.object({
      at: z.iso.datetime(),
      action: z.string(),
      orderId: z.string().nullable(),
      detail: z.string().nullable(),
    }),
  ),
});

const studyPage = z.object({
  items: z.array(studySummary),
  next: z.string().nullable().meta({ description: 'The `cursor` of the next page; null on the last one.' }),
});

export const studyOperations = [
  operation({
    method: 'get',
    path: '/v1/studies',
    operationId: 'listStudies',
    tag: 'Studies',
    summary: 'All studies, newest first; `status=unmatched` gives those no order claims',
    auth: 'apiKey',
    query: studyListQuery,
    responses: { 200: { description: 'A page of studies.', body: { name: 'StudyPage', schema: studyPage } } },
    problems: [422],
  }),
  operation({
    method: 'get',
    path: '/v1/studies/{studyId}',
    operationId: 'getStudy',
    tag: 'Studies',
    summary: 'A study with its series, instances, media URLs and matching audit trail',
    auth: 'apiKey',
    pathParams: { studyId: 'The study id Lightbox gave it.' },
    responses: { 200: { description: 'The study.', body: { name: 'Study', schema: studyDetail } } },
    problems: [404],
  }),
  operation({
    method: 'get',
    path: '/v1/patients/{pimsPatientId}/studies',
    operationId: 'listPatientStudies',
    tag: 'Studies',
    summary: "The studies filed to a patient's orders, newest first, for the chart",
    auth: 'apiKey',
    pathParams: { pimsPatientId: 'The PIMS patient (animal) id.' },
    responses: {
      200: {
        description: 'Unmatched studies are not shown here: a namesake is not the patient.',
        body: { name: 'PatientStudies', schema: z.object({ items: z.array(studySummary) }) },
      },
    },
  }),
  operation({
    method: 'post',
    path: '/v1/studies/{studyId}/match',
    operationId: 'matchStudy',
    tag: 'Studies',
    summary: 'A person files a study to an order; recorded in its audit trail',
    auth: 'apiKey',
    pathParams: { studyId: 'The study id Lightbox gave it.' },
    body: { name: 'MatchStudyRequest', schema: matchStudyBody },
    responses: {
      200: { description: 'The study, now matched.', body: { name: 'Study', schema: studyDetail } },
    },
    problems: [404, 409, 422],
  }),
];

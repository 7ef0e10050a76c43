import { z } from 'zod';
import { taggedOperations } from '../openapi/api-operation.js';
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

const voiWindow = z.object({
  center: z.number(),
  width: z.number(),
  explanation: z.string().nullable().meta({
    description: 'Window Center & Width Explanation (0028,1055), e.g. "BONE"; null when not given.',
  }),
});

const instanceImage = z
  .object({
    columns: z.number().int().meta({ description: 'Columns (0028,0011) of the stored image.' }),
    rows: z.number().int().meta({ description: 'Rows (0028,0010) of the stored image.' }),
    numberOfFrames: z.number().int(),
    photometricInterpretation: z
      .string()
      .meta({ description: 'MONOCHROME1, MONOCHROME2, RGB, YBR_FULL_422, …' }),
    pixelSpacingMm: z
      .object({
        row: z.number().meta({ description: 'Millimetres between the centres of adjacent rows.' }),
        column: z.number().meta({ description: 'Millimetres between the centres of adjacent columns.' }),
        source: z.enum(['PixelSpacing', 'ImagerPixelSpacing']).meta({
          description:
            'PixelSpacing (0028,0030): calibrated at the patient. ImagerPixelSpacing (0018,1164): at the detector, so a projection radiograph measures slightly large (magnification).',
        }),
      })
      .nullable()
      .meta({ description: 'Null when the image gives neither: measure in pixels, uncalibrated.' }),
    rendition: z
      .object({
        url: z.url().meta({ description: 'PNG, 16-bit greyscale, long edge ≤ 1024 px; strong ETag.' }),
        format: z
          .enum(['grey16', 'rgb8'])
          .meta({ description: 'Renditions are made of grey images: grey16.' }),
        width: z.number().int(),
        height: z.number().int(),
        frame: z.number().int().meta({ description: 'The frame shown, 0-based (the middle of a loop).' }),
        storedValueOffset: z
          .number()
          .int()
          .meta({ description: 'PNG value − offset = stored value (32768 for signed pixel data, else 0).' }),
        rescaleSlope: z.number(),
        rescaleIntercept: z
          .number()
          .meta({ description: 'Modality value (Hounsfield units for CT) = stored × slope + intercept.' }),
        invert: z.boolean().meta({ description: 'MONOCHROME1: low values are displayed white.' }),
        windows: z.array(voiWindow).meta({ description: "The image's own VOI windows, in modality values." }),
        defaultWindow: z
          .object({ center: z.number(), width: z.number() })
          .meta({ description: 'The window the preview JPEG was drawn with, in modality values.' }),
      })
      .nullable()
      .meta({
        description:
          'Lossless, at the preview size: an image that fits in 1024 px holds its stored values exactly, a larger one their averages over the downscale. Null for colour images (use the preview).',
      }),
    frameUrls: z.array(z.url()).nullable().meta({
      description:
        'Multi-frame objects: one JPEG (long edge ≤ 512 px) per frame, in frame order; at most 120, spread evenly over longer loops. Null for a single frame, or until every frame preview has arrived.',
    }),
  })
  .nullable()
  .meta({
    description:
      'What a viewer needs to window, measure and step through; null for placeholders and non-images.',
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
          thumbnailUrl: z.url().meta({
            description:
              'JPEG, long edge ≤ 256 px. Signed for this site and expiring (LIGHTBOX_MEDIA_URL_TTL_SECONDS, ' +
              'a day by default): fetch the study again for fresh URLs rather than storing them. Strong ETag.',
          }),
          previewUrl: z.url().meta({ description: 'JPEG, long edge ≤ 1024 px.' }),
          placeholderReason: z
            .string()
            .nullable()
            .meta({ description: 'Set when the image could not be drawn: the media are a placeholder.' }),
          conflict: z
            .boolean()
            .meta({ description: 'The same SOP Instance UID also arrived with other bytes.' }),
          image: instanceImage,
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

export const studyOperations = taggedOperations('Studies', [
  {
    method: 'get',
    path: '/v1/studies',
    operationId: 'listStudies',
    summary: 'All studies, newest first; `status=unmatched` gives those no order claims',
    query: studyListQuery,
    responses: { 200: { description: 'A page of studies.', body: { name: 'StudyPage', schema: studyPage } } },
    problems: [422],
  },
  {
    method: 'get',
    path: '/v1/studies/{studyId}',
    operationId: 'getStudy',
    summary: 'A study with its series, instances, media URLs and matching audit trail',
    pathParams: { studyId: 'The study id Lightbox gave it.' },
    responses: { 200: { description: 'The study.', body: { name: 'Study', schema: studyDetail } } },
    problems: [404],
  },
  {
    method: 'get',
    path: '/v1/patients/{pimsPatientId}/studies',
    operationId: 'listPatientStudies',
    summary: "The studies filed to a patient's orders, newest first, for the chart",
    pathParams: { pimsPatientId: 'The PIMS patient (animal) id.' },
    responses: {
      200: {
        description: 'Unmatched studies are not shown here: a namesake is not the patient.',
        body: { name: 'PatientStudies', schema: z.object({ items: z.array(studySummary) }) },
      },
    },
  },
  {
    method: 'post',
    path: '/v1/studies/{studyId}/match',
    operationId: 'matchStudy',
    summary: 'A person files a study to an order; recorded in its audit trail',
    pathParams: { studyId: 'The study id Lightbox gave it.' },
    body: { name: 'MatchStudyRequest', schema: matchStudyBody },
    responses: {
      200: { description: 'The study, now matched.', body: { name: 'Study', schema: studyDetail } },
    },
    problems: [404, 409, 422],
  },
]);

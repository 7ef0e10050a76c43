import type { StoredInstanceAttributes } from '@lightbox/protocol';
import { readDataset, type RawElement } from '../dicom/codec/dataset-reader.js';
import { tagInfo } from '../dicom/codec/dicom-tags.js';

/** The attributes beyond the storage record that file a study and label it in the chart. */
export type HeaderAttributes = Pick<
  StoredInstanceAttributes,
  | 'patientSpeciesDescription'
  | 'studyDescription'
  | 'seriesDescription'
  | 'bodyPartExamined'
  | 'studyTime'
  | 'requestedProcedureIds'
  | 'scheduledProcedureStepIds'
>;

const SPECIES = 0x00102201;
const STUDY_DESCRIPTION = 0x00081030;
const SERIES_DESCRIPTION = 0x0008103e;
const BODY_PART = 0x00180015;
const STUDY_TIME = 0x00080030;
/** Request Attributes Sequence: which requested procedure and step the images were taken for. */
const REQUEST_ATTRIBUTES = 0x00400275;
const REQUESTED_PROCEDURE_ID = 0x00401001;
const SPS_ID = 0x00400009;

/**
 * Reads them from the data set's bytes before the pixel data. Values are identifiers and short
 * labels; they are read as Latin-1, which keeps ASCII exact and never fails.
 */
export function readHeaderAttributes(headerBytes: Buffer, explicitVr: boolean): HeaderAttributes {
  const elements = readDataset(headerBytes, explicitVr, (tag) => tagInfo(tag)?.vr === 'SQ');
  const byTag = new Map(elements.map((e) => [e.tag, e]));
  const text = (e: RawElement | undefined, max: number): string | undefined => {
    if (!e || e.items) return undefined;
    const v = e.value
      .toString('latin1')
      .replace(/[\0 ]+$/, '')
      .trim()
      .split('\\')[0]!;
    return v === '' ? undefined : v.slice(0, max);
  };
  const requested: string[] = [];
  const steps: string[] = [];
  for (const item of byTag.get(REQUEST_ATTRIBUTES)?.items ?? []) {
    const itemTags = new Map(item.map((e) => [e.tag, e]));
    const rp = text(itemTags.get(REQUESTED_PROCEDURE_ID), 16);
    const sps = text(itemTags.get(SPS_ID), 16);
    if (rp && requested.length < 16) requested.push(rp);
    if (sps && steps.length < 16) steps.push(sps);
  }
  const attributes: HeaderAttributes = { requestedProcedureIds: requested, scheduledProcedureStepIds: steps };
  const species = text(byTag.get(SPECIES), 64);
  const studyDescription = text(byTag.get(STUDY_DESCRIPTION), 64);
  const seriesDescription = text(byTag.get(SERIES_DESCRIPTION), 64);
  const bodyPart = text(byTag.get(BODY_PART), 16);
  const studyTime = text(byTag.get(STUDY_TIME), 16);
  if (species) attributes.patientSpeciesDescription = species;
  if (studyDescription) attributes.studyDescription = studyDescription;
  if (seriesDescription) attributes.seriesDescription = seriesDescription;
  if (bodyPart) attributes.bodyPartExamined = bodyPart;
  if (studyTime) attributes.studyTime = studyTime;
  return attributes;
}

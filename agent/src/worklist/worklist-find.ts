import type { WlItem } from '@lightbox/protocol';
import type { AgentConfig, ModalityProfile } from '../config.js';
import { checkQuery, compileQuery } from './matching/worklist-matcher.js';
import type { CachedItem, WorklistCopy } from './worklist-copy.js';

export type AnswerCharacterSet = 'ISO_IR 192' | 'ISO_IR 100';

export type WorklistAnswer =
  | { kind: 'failure'; status: number; comment: string }
  | { kind: 'matches'; items: CachedItem[]; characterSet: AnswerCharacterSet; limitReached: boolean };

/** 0xA700: Refused, out of resources — the answer limit; the Error Comment says so. */
export const STATUS_OUT_OF_RESOURCES = 0xa700;

const stepOf = (item: WlItem): WlItem | undefined => {
  const seq = item.ScheduledProcedureStepSequence;
  return Array.isArray(seq) ? seq[0] : undefined;
};
const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

/**
 * Answers one worklist query from the local copy: the caller's profile decides what a query without
 * a Scheduled Station AE Title sees, the matcher decides the rest, and the limit caps the answer.
 */
export function answerWorklistQuery(
  copy: WorklistCopy,
  settings: AgentConfig['worklist'],
  query: WlItem,
  callingAe: string,
): WorklistAnswer {
  const check = checkQuery(query);
  if (!check.ok) return { kind: 'failure', status: check.status, comment: check.comment };
  const profile = settings.profiles.find((p) => p.aeTitle === callingAe);
  const matches = compileQuery(query, { patientNameCaseInsensitive: settings.patientNameCaseInsensitive });
  const askedForStation = text(stepOf(query)?.ScheduledStationAETitle) !== '';
  const policy = askedForStation ? null : missingStationFilter(profile, settings.missingStationAe, callingAe);
  const items: CachedItem[] = [];
  const limit = settings.answerLimit > 0 ? settings.answerLimit : Infinity;
  for (const item of copy.candidatesFor(query)) {
    if (!matches(item.attributes) || (policy && !policy(item.attributes))) continue;
    if (items.length >= limit)
      return { kind: 'matches', items, characterSet: charsetOf(profile), limitReached: true };
    items.push(item);
  }
  return { kind: 'matches', items, characterSet: charsetOf(profile), limitReached: false };
}

function charsetOf(profile: ModalityProfile | undefined): AnswerCharacterSet {
  return profile?.characterSet ?? 'ISO_IR 192';
}

/**
 * A console that names no station gets, by its profile: everything; its modality's items; or the
 * items scheduled for its AE title plus those of its modality scheduled for no particular station.
 */
function missingStationFilter(
  profile: ModalityProfile | undefined,
  fallback: AgentConfig['worklist']['missingStationAe'],
  callingAe: string,
): ((item: WlItem) => boolean) | null {
  const policy = profile?.missingStationAe ?? fallback;
  const modality = profile?.modality;
  switch (policy) {
    case 'all':
      return null;
    case 'modality':
      return modality ? (item) => text(stepOf(item)?.Modality) === modality : null;
    case 'calling-ae':
      return (item) => {
        const step = stepOf(item);
        const station = text(step?.ScheduledStationAETitle);
        return (
          station === callingAe ||
          (station === '' && modality !== undefined && text(step?.Modality) === modality)
        );
      };
  }
}

/**
 * The item as it is answered to this caller. Scheduled Station AE Title is type 1 in a worklist
 * answer; an order for "any station" names the station that asked.
 */
export function itemForCaller(item: WlItem, callingAe: string): WlItem {
  const step = stepOf(item);
  if (!step || text(step.ScheduledStationAETitle) !== '') return item;
  return { ...item, ScheduledProcedureStepSequence: [{ ...step, ScheduledStationAETitle: callingAe }] };
}

import { eq } from 'drizzle-orm';
import type { ScheduledStepReference, WlItem } from '@lightbox/protocol';
import type { AgentTx } from '../db/agent-database.js';
import { worklistItems } from '../db/schema.js';
import type { CachedItem, WorklistCopy } from './worklist-copy.js';

const STARTED = 'STARTED';

/**
 * An N-CREATE IN PROGRESS takes its worklist items off this agent's worklist at once, link or no
 * link: a second console querying a minute later must not start the same patient. The item's
 * Scheduled Procedure Step Status becomes STARTED in the journal and the copy — C-FIND hides steps
 * that are not SCHEDULED unless a query asks for them — and its revision stays, so the plugin's
 * next revision of the order (the removal once it has the MPPS) replaces it as usual.
 *
 * Items are found the way the plugin links an MPPS to its orders: per Scheduled Step Attributes
 * item, Study Instance UID, then Accession Number, then Scheduled Procedure Step ID, and only a key
 * that names exactly one item counts. Runs inside the MPPS journal's transaction; the returned
 * function updates the in-memory copy once that transaction has committed.
 */
export async function startWorklistItems(
  tx: AgentTx,
  copy: WorklistCopy,
  steps: readonly ScheduledStepReference[],
): Promise<{ orderIds: string[]; apply: () => void }> {
  const found = new Map<string, CachedItem>();
  const items = [...copy.all()];
  for (const step of steps) {
    const item = firstMatch(items, step);
    if (item) found.set(item.orderId, item);
  }
  const started: CachedItem[] = [];
  for (const item of found.values()) {
    const attributes = withStepsStarted(item.attributes);
    if (!attributes) continue;
    await tx
      .update(worklistItems)
      .set({ attributesJson: JSON.stringify(attributes), updatedAt: new Date().toISOString() })
      .where(eq(worklistItems.orderId, item.orderId));
    started.push({ ...item, attributes });
  }
  return {
    orderIds: started.map((i) => i.orderId),
    apply: () => {
      for (const item of started) {
        // Unless the plugin's own revision got there first.
        if (copy.get(item.orderId)?.revision === item.revision) copy.put(item);
      }
    },
  };
}

function firstMatch(items: readonly CachedItem[], step: ScheduledStepReference): CachedItem | undefined {
  const keys: [string | undefined, (a: WlItem) => boolean][] = [
    [step.studyInstanceUid, (a) => text(a.StudyInstanceUID) === step.studyInstanceUid],
    [step.accessionNumber, (a) => text(a.AccessionNumber) === step.accessionNumber],
    [
      step.scheduledProcedureStepId,
      (a) => stepsOf(a).some((s) => text(s.ScheduledProcedureStepID) === step.scheduledProcedureStepId),
    ],
  ];
  for (const [value, matches] of keys) {
    if (!value) continue;
    const hits = items.filter((i) => matches(i.attributes));
    // A weaker key shared by two items is ambiguous: nothing is hidden on a guess.
    if (hits.length === 1) return hits[0];
  }
  return undefined;
}

/** A copy with every SCHEDULED step STARTED; undefined when no step was SCHEDULED. */
function withStepsStarted(attributes: WlItem): WlItem | undefined {
  const steps = stepsOf(attributes);
  if (!steps.some((s) => isScheduled(s))) return undefined;
  return {
    ...attributes,
    ScheduledProcedureStepSequence: steps.map((s) =>
      isScheduled(s) ? { ...s, ScheduledProcedureStepStatus: STARTED } : s,
    ),
  };
}

function isScheduled(step: WlItem): boolean {
  const status = text(step.ScheduledProcedureStepStatus);
  return status === '' || status === 'SCHEDULED';
}

function stepsOf(attributes: WlItem): WlItem[] {
  const seq = attributes.ScheduledProcedureStepSequence;
  return Array.isArray(seq) ? seq : [];
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

import type { AgentToPluginMessage } from '@lightbox/protocol';
import { applyAgentDisk } from './apply-agent-disk.js';
import { applyEchoResult } from '../agent-health/agent-echo.js';
import type { Tx } from '../db/database.js';
import { probeReplies } from '../db/schema.js';
import type { Logger } from '../log.js';
import { applyPerformedStep } from '../performed-steps/apply-performed-step.js';
import { applyStoredInstance } from '../studies/apply-stored-instance.js';
import type { MediaStore } from '../studies/media-store.js';
import { recordFramePreviews } from '../studies/instance-image-intake.js';
import type { StudySettings } from '../studies/study-settings.js';

export interface ApplyContext {
  tx: Tx;
  agentId: string;
  seq: number;
  log: Logger;
  /** Agents whose outbox this message grew; woken once the transaction has committed. */
  wake: (agentIds: string[]) => void;
  intake: StudyIntake;
}

/** What filing images needs: where media go, and how long completion waits for them. */
export interface StudyIntake {
  media: MediaStore;
  settings: StudySettings;
}

/** Applies one agent→plugin message inside the link's inbox transaction. */
export async function applyAgentMessage(ctx: ApplyContext, body: AgentToPluginMessage): Promise<void> {
  switch (body.kind) {
    case 'probe.reply':
      await ctx.tx.insert(probeReplies).values({
        agentId: ctx.agentId,
        probeId: body.probeId,
        n: body.n,
        appliedCount: body.appliedCount,
        inSeq: ctx.seq,
      });
      return;
    case 'mpps.changed':
      ctx.wake(await applyPerformedStep(ctx.tx, ctx.agentId, body, ctx.intake.settings.completionWaitMs));
      return;
    case 'instance.stored':
      ctx.wake(await applyStoredInstance(ctx.tx, ctx.agentId, body, ctx.intake.media));
      return;
    case 'agent.disk':
      await applyAgentDisk(ctx.tx, ctx.agentId, body);
      return;
    case 'instance.frames':
      await recordFramePreviews(ctx.tx, body, ctx.intake.media);
      return;
    case 'echo.result':
      await applyEchoResult(ctx.tx, ctx.agentId, body);
      return;
  }
}

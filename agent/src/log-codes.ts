import { LinkLogCode } from '@lightbox/protocol';

/**
 * The `code` field of the agent's log lines that mark a state change someone may act on. Wording is
 * for people and may change; a code is what scripts, alerts and the end-to-end tests match on, so
 * it changes only deliberately (docs/architecture.md, "Log codes").
 */
export const LogCode = {
  ...LinkLogCode,
  /** Every service is listening; the line carries the DICOM address and the data folders. */
  agentStarted: 'agent_started',
  /** A dcmjs-dimse internal the agent patches has changed; the stock code path is used. */
  dimseFallback: 'dimse_fallback',
  /** The settings file was read again and applied (`changed` lists the settings). */
  settingsReloaded: 'settings_reloaded',
  /** The settings file was read again and refused, one line per problem; the old settings stay. */
  settingsNotReloaded: 'settings_not_reloaded',

  /** The link to the plugin is up (after the hello/welcome exchange). */
  linked: 'link_up',
  /** The link closed; `closeCode` is the WebSocket close code. */
  linkClosed: 'link_closed',
  /** The plugin or its certificate refused this agent; `reason` says why. Retried, logged once. */
  linkRefused: 'link_refused',

  /** An association was refused (`reason`: `protocol_version`, `calling_ae`, `limit`). */
  associationRefused: 'association_refused',
  /** An association said nothing for too long and was aborted. */
  associationIdle: 'association_idle',
  /** A connection sent no A-ASSOCIATE-RQ before the ARTIM timer ran out. */
  artimExpired: 'artim_expired',

  /**
   * An instance is in the journal and on disk; it was acknowledged with success. Debug level: at
   * info each association's totals are one `association_stores` line.
   */
  instanceStored: 'instance_stored',
  /** The same SOP Instance UID with the same bytes again: acknowledged, kept once. */
  instanceSameAgain: 'instance_same_again',
  /**
   * What the C-STOREs of one association came to, when it closed: `stored`, `duplicate`,
   * `conflict`, `refused`, `failed` (counts), `bytes` stored, `callingAe`, `peer`.
   */
  associationStores: 'association_stores',
  /** The same SOP Instance UID with different bytes: both kept, the new one flagged. */
  instanceChangedAgain: 'instance_changed_again',
  /** Free space fell below the floor: C-STORE is refused until it is freed. */
  diskSpaceLow: 'disk_space_low',
  /** A spool file with no journal row, found at start, was removed (`path`). */
  spoolOrphanRemoved: 'spool_orphan_removed',
  /**
   * A journal row from the moments before a stop whose spool file is not there, or shorter than
   * recorded (its rename or its data was lost), was dropped at start (`sopInstanceUid`, `path`);
   * the modality's resend is stored anew.
   */
  journalRowDropped: 'journal_row_dropped',
  /** Rendering, paused while images arrived, runs again. */
  renderingResumed: 'rendering_resumed',

  /** A worklist C-FIND was answered (`matches`, `callingAe`, `accessions`). */
  worklistAnswered: 'worklist_answered',
  /** A worklist answer held characters Latin-1 lacks; they were transliterated (`values`). */
  worklistTransliterated: 'worklist_transliterated',
  /** MPPS IN PROGRESS took items off this worklist until the plugin decides (`orderIds`). */
  worklistItemsStarted: 'worklist_items_started',
  /** An MPPS message was accepted despite a deviation (`warning`). */
  mppsTolerated: 'mpps_tolerated',

  /** The PACS could not be reached; forwarding retries. */
  pacsUnavailable: 'pacs_unavailable',
  /** The PACS refused an instance (`status`); forwarding retries. */
  pacsRefused: 'pacs_refused',
  /** Forwarding an instance was given up after its attempts. */
  pacsGaveUp: 'pacs_gave_up',

  /** A Storage Commitment result was sent and accepted by the modality. */
  commitmentReported: 'commitment_reported',
  /** The modality did not accept a Storage Commitment result; retried. */
  commitmentNotAccepted: 'commitment_not_accepted',
} as const;
export type LogCode = (typeof LogCode)[keyof typeof LogCode];

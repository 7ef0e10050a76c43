/** How studies become ready and how orders complete from images; from the plugin's config. */
export interface StudySettings {
  /** Nothing new for this long: the study is stable and `attachment.ready` goes out. */
  quietMs: number;
  /** An MPPS COMPLETED waits this long for the images it lists; 0 completes at once. */
  completionWaitMs: number;
  /** Images stable this long with no MPPS for the order: completed as `images_stable_no_mpps`. */
  noMppsCompleteMs: number;
}

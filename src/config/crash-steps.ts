/**
 * The steps of one flush after which DVC_SYNC_TEST_CRASH_AFTER can kill the process (fault injection for the
 * crash tests only), in the order a flush reaches them.
 */
export const CRASH_STEPS = [
  'objects-uploaded', // every file object of the new version is on the DVC remote, durable
  'dir-uploaded', // the `.dir` listing too (directory datasets only)
  'commit-written', // the commit object exists locally, nothing sent to the Git remote yet
  'push-sent', // the Git remote took the push; its answer is not read yet
  'push-acknowledged', // the push answered ok
  'state-recorded', // sync.db holds the pushed dataset and the journal position
  'journal-pruned', // the storage journal is pruned up to that position
] as const;

export type CrashStep = (typeof CRASH_STEPS)[number];

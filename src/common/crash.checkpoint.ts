import type { CrashStep } from '../config/crash-steps.js';

/**
 * A named point of the flush. In production it does nothing; with DVC_SYNC_TEST_CRASH_AFTER=<step> (the crash
 * tests' fault injection) reaching that step kills the process at once, as a power cut or an OOM kill would:
 * no handler, no flush, no cleanup.
 */
export type Checkpoint = (step: CrashStep) => void;

export const noCheckpoint: Checkpoint = () => undefined;

export function crashCheckpoint(crashAfter: CrashStep | undefined): Checkpoint {
  if (crashAfter === undefined) return noCheckpoint;
  return (step) => {
    if (step === crashAfter) process.kill(process.pid, 'SIGKILL');
  };
}

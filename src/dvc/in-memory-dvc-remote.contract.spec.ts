import { InMemoryDvcRemote } from '../../test/fakes/in-memory-dvc.remote.js';
import { describeDvcRemoteContract } from '../../test/dvc/dvc-remote.contract.js';

// The fake the sync specs run on passes the same contract as the local folder and S3 remotes
// (test/dvc/dvc-remotes.e2e-spec.ts runs those).
describeDvcRemoteContract('InMemoryDvcRemote (the fake)', () => new InMemoryDvcRemote());

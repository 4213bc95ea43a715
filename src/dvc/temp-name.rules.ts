import { randomUUID } from 'node:crypto';

/**
 * The temporary names the remotes that write files (a local folder, SFTP) give an object while its bytes are being
 * written, before a rename gives it its name (`<object path>.<uuid>.tmp`), and when such a file is an orphan.
 *
 * A process that crashed, or an SFTP connection that dropped, between writing a temp file and renaming it leaves it
 * behind, and nothing else ever removes it: DVC skips it when it lists a remote and `dvc gc` only looks at object
 * ids. A temp file this old is an orphan: no push keeps one for a day, and a younger one may belong to a push in
 * flight in another process (or another project) that shares the remote. DVC's own temp names
 * (`<object>.<22 base64url characters>.tmp`, dvc-objects `tmp_fname`) and anything a person put there do not match
 * ours and are never removed.
 */
export const ORPHAN_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * How often a remote that sweeps its whole tree (a local folder) does: on the first push of a process, then at most
 * once a day. An SSH remote looks only in the folders a push lists: listing the whole server would send every
 * object's name over the network.
 */
export const ORPHAN_SWEEP_EVERY_MS = ORPHAN_AGE_MS;

const OUR_TEMP_NAME = /^[0-9a-f]{30}(\.dir)?\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.tmp$/;

/** A new temporary path beside `objectPath` (a path that `objectRelPath` gave, under the remote's root). */
export function tempPathFor(objectPath: string): string {
  return `${objectPath}.${randomUUID()}.tmp`;
}

/** Whether `name` (in a `files/md5/xx/` folder) is a temp name `tempPathFor` gives: the test before any stat. */
export function isOurTempName(name: string): boolean {
  return name.endsWith('.tmp') && OUR_TEMP_NAME.test(name); // endsWith first: a sweep meets ~every object's name
}

/** Whether the file `name` in a `files/md5/xx/` folder, last modified at `mtimeMs`, is one of our orphans at `now`. */
export function isOrphanTemp(name: string, mtimeMs: number, now: number): boolean {
  return isOurTempName(name) && now - mtimeMs >= ORPHAN_AGE_MS;
}

/** Whether a sweep is due at `now`, the last one having started at `last` (none yet: due). */
export function sweepDue(last: number | undefined, now: number): boolean {
  return last === undefined || now - last >= ORPHAN_SWEEP_EVERY_MS;
}

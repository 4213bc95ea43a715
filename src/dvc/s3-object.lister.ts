import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { objectIdFromRelPath } from './object-path.util.js';

export interface ListedIds {
  ids: Set<string>;
  /** How many keys were seen (objects that are not DVC objects included). */
  keys: number;
  /** More keys follow (only when stopped by `maxPages`). */
  truncated: boolean;
}

export interface ListRange {
  /** List only keys after this one. */
  startAfter?: string;
  /** Stop once a page ends at or after this key. */
  stopAt?: string;
  maxPages?: number;
}

/**
 * The DVC object ids under `<root>files/md5/…` whose keys start with `prefix` (an adapter: pages of
 * ListObjectsV2, no decisions). `root` is the remote's key prefix (`dvcstore/`, or empty).
 */
export async function listObjectIds(
  client: S3Client,
  bucket: string,
  root: string,
  prefix: string,
  range: ListRange = {},
): Promise<ListedIds> {
  const result: ListedIds = { ids: new Set(), keys: 0, truncated: false };
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        StartAfter: token ? undefined : range.startAfter,
        ContinuationToken: token,
        MaxKeys: 1000,
      }),
    );
    pages++;
    for (const object of page.Contents ?? []) {
      result.keys++;
      const id = object.Key?.startsWith(root) ? objectIdFromRelPath(object.Key.slice(root.length)) : undefined;
      if (id) result.ids.add(id);
    }
    const last = page.Contents?.at(-1)?.Key;
    const pastTheEnd = range.stopAt !== undefined && last !== undefined && last >= range.stopAt;
    token = page.IsTruncated && !pastTheEnd ? page.NextContinuationToken : undefined;
    if (token && range.maxPages !== undefined && pages >= range.maxPages) {
      result.truncated = true;
      token = undefined;
    }
  } while (token);
  return result;
}

import xml2js from 'xml2js';
import { elementText as text, malformedXml as malformed } from '../xml/xml-request.js';

/** AWS DeleteObjects: "The request can contain a list of up to 1000 keys". */
export const MAX_DELETE_KEYS = 1000;
/** 1000 keys of up to 1024 bytes, escaped, with their tags, fit in this many bytes. */
export const MAX_DELETE_BODY_BYTES = 2 * 1024 * 1024;

export interface DeleteRequest {
  quiet: boolean;
  objects: { key: string; versionId?: string }[];
}

/** `<Delete><Quiet>true</Quiet><Object><Key>k</Key><VersionId>v</VersionId></Object>…</Delete>` → keys, validated. */
export async function parseDeleteRequest(xml: string): Promise<DeleteRequest> {
  let parsed: unknown;
  try {
    // No trimming or normalising: keys may begin or end with spaces. xml2js (sax) does not resolve external entities.
    parsed = await xml2js.parseStringPromise(xml, { trim: false, normalize: false, explicitArray: true });
  } catch {
    throw malformed('not well-formed');
  }
  const root = (parsed as Record<string, unknown> | null)?.Delete;
  if (!root || typeof root !== 'object') throw malformed('the root element must be <Delete>');
  const body = root as Record<string, unknown>;
  const quietText = body.Quiet === undefined ? 'false' : text(body.Quiet)?.trim().toLowerCase();
  if (quietText !== 'true' && quietText !== 'false') throw malformed('<Quiet> must be true or false');
  const rawObjects = body.Object;
  if (!Array.isArray(rawObjects) || rawObjects.length === 0) throw malformed('<Delete> needs at least one <Object>');
  if (rawObjects.length > MAX_DELETE_KEYS)
    throw malformed(`at most ${MAX_DELETE_KEYS} <Object> elements are allowed, got ${rawObjects.length}`);
  const objects = rawObjects.map((raw: unknown) => {
    const object = (raw ?? {}) as Record<string, unknown>;
    const key = text(object.Key);
    if (key === undefined || key === '') throw malformed('every <Object> needs one non-empty <Key>');
    const versionId = object.VersionId === undefined ? undefined : text(object.VersionId);
    return versionId === undefined ? { key } : { key, versionId };
  });
  return { quiet: quietText === 'true', objects };
}

import type { JsonValue } from './dataset.types.js';

/**
 * Deepest nesting accepted from the network. Label Studio bodies are under 10 levels deep; V8's `JSON.parse`
 * copes with far more, but `JSON.stringify` and our recursive comparisons do not (stack overflow around
 * 10^4 levels), so anything deeper is refused once, here, instead of crashing a later step.
 */
export const MAX_JSON_DEPTH = 512;

export type JsonParseResult = { ok: true; value: JsonValue } | { ok: false; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Bytes → JSON, never throwing. Like Python's `json.loads(bytes)`, the bytes must be UTF-8 (a BOM is
 * allowed); invalid UTF-8 is refused rather than silently replaced by U+FFFD.
 */
export function parseJsonBytes(bytes: Uint8Array, maxDepth = MAX_JSON_DEPTH): JsonParseResult {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (error) {
    return { ok: false, reason: decodeFailure(error) };
  }
  return parseJsonText(text, maxDepth);
}

/** Text → JSON, never throwing; refuses nesting deeper than `maxDepth`. */
export function parseJsonText(text: string, maxDepth = MAX_JSON_DEPTH): JsonParseResult {
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (error) {
    return { ok: false, reason: `not JSON (${(error as Error).message})` };
  }
  if (depthExceeds(value, maxDepth)) return { ok: false, reason: `JSON nested deeper than ${maxDepth} levels` };
  return { ok: true, value };
}

/** Iterative (an explicit stack), so the check itself cannot overflow on the input it guards against. */
function depthExceeds(root: JsonValue, maxDepth: number): boolean {
  const stack: Array<[JsonValue, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > maxDepth) return true;
    for (const child of Array.isArray(value) ? value : Object.values(value)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Why UTF-8 decoding failed: invalid bytes (Node's ERR_ENCODING_INVALID_ENCODED_DATA; compared by code, as
 * `instanceof` fails across VM contexts) or more text than a JS string can hold.
 */
export function decodeFailure(error: unknown): string {
  return (error as { code?: string }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA'
    ? 'not UTF-8 text'
    : 'too large to read as text';
}

export function isJsonObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

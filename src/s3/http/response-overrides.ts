import { S3Error } from '../errors/s3-error.js';
import { RESPONSE_OVERRIDE_PARAMS } from '../routing/s3-operation.router.js';

/** What Node's http module accepts in a header value (RFC 9110 field-value: VCHAR / obs-text / SP / HTAB). */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * GetObject/HeadObject `response-*` query parameters → the response headers they replace
 * (AWS GetObject: "Overriding response header values through the request"; used by presigned browser URLs,
 * e.g. Label Studio's `response-content-type`).
 */
export function responseOverrides(query: Record<string, string>): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const param of RESPONSE_OVERRIDE_PARAMS) {
    const value = query[param];
    if (value === undefined) continue;
    if (!HEADER_VALUE.test(value)) {
      throw new S3Error(
        'InvalidArgument',
        `${param} contains characters that cannot be sent in an HTTP header (use RFC 5987/8187 encoding).`,
        {
          ArgumentName: param,
        },
      );
    }
    overrides[param.slice('response-'.length)] = value;
  }
  return overrides;
}

/** What the verifier needs from an HTTP request: the bytes as they came off the wire, nothing re-encoded. */
export interface IncomingSignedRequest {
  /** 'GET', 'PUT', ... */
  method: string;
  /** Exactly as received on the wire, e.g. '/annotations/exports//17' (never re-encoded). */
  rawPath: string;
  /** The part after '?', exactly as received; '' when none. */
  rawQuery: string;
  /** node's req.headers (lowercase names). */
  headers: Record<string, string | string[] | undefined>;
}

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The secret of an access key id; undefined for an id this server does not know (InvalidAccessKeyId). */
export type SecretLookup = (accessKeyId: string) => string | undefined;

/** A verified request: everything the body decoder needs to check chunk and trailer signatures. */
export interface AuthContext {
  accessKeyId: string;
  region: string;
  /** yyyymmddThhmmssZ */
  amzDate: string;
  /** date/region/s3/aws4_request */
  scope: string;
  signingKey: Buffer;
  seedSignature: string;
  presigned: boolean;
  /** The literal x-amz-content-sha256 value (presigned: 'UNSIGNED-PAYLOAD' unless given). */
  payloadHash: string;
}

import { expect } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RawResponse } from './boto3.js';

/** The text of one XML element, e.g. xmlText(body, 'Code'); undefined when absent. */
export function xmlText(xml: string, element: string): string | undefined {
  return new RegExp(`<${element}>([^<]*)</${element}>`).exec(xml)?.[1];
}

/**
 * An S3 error answer as every client parses it: the status, S3 XML with Code/Message/RequestId,
 * and the RequestId equal to the x-amz-request-id header (docs/s3-protocol.md "Errors").
 */
export function expectS3Error(response: RawResponse, status: number, code: string): { message: string } {
  const body = response.body.toString('utf8');
  expect({ status: response.status, code: xmlText(body, 'Code') }).toEqual({ status, code });
  expect(body).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\s*<Error>/);
  const message = xmlText(body, 'Message');
  expect(message).toEqual(expect.stringMatching(/\S/));
  const requestId = xmlText(body, 'RequestId');
  expect(requestId).toEqual(expect.stringMatching(/\S/));
  expect(response.headers['x-amz-request-id']).toBe(requestId);
  return { message: message! };
}

/** Every regular file below `root`, as paths relative to it. */
export function allFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1));
}

/** Files below `root` whose bytes include `needle` (how a test finds an object on disk without knowing the layout). */
export function filesContaining(root: string, needle: string | Buffer): string[] {
  return allFiles(root).filter((file) => readFileSync(join(root, file)).includes(needle));
}

import { describe, expect, it } from '@jest/globals';
import { S3Error } from '../errors/s3-error.js';
import { parseCompleteRequest } from './complete-request.parser.js';

const doc = (parts: string) => `<?xml version="1.0" encoding="UTF-8"?>
<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${parts}</CompleteMultipartUpload>`;

describe('parseCompleteRequest', () => {
  it('reads part numbers, ETags as sent and checksums, in document order', async () => {
    const parts = await parseCompleteRequest(
      doc(
        '<Part><ETag>"aa"</ETag><PartNumber>2</PartNumber><ChecksumCRC32>NSRBwg==</ChecksumCRC32></Part>' +
          '<Part><PartNumber>1</PartNumber><ETag>bb</ETag></Part>',
      ),
    );
    expect(parts).toEqual([
      { partNumber: 2, etag: '"aa"', checksums: { crc32: 'NSRBwg==' } },
      { partNumber: 1, etag: 'bb', checksums: {} },
    ]);
  });

  it.each([
    ['not XML', 'garbage', 'MalformedXML'],
    ['another root', '<Delete><Object><Key>k</Key></Object></Delete>', 'MalformedXML'],
    ['no parts', doc(''), 'MalformedXML'],
    ['a part without ETag', doc('<Part><PartNumber>1</PartNumber></Part>'), 'MalformedXML'],
    ['a part without number', doc('<Part><ETag>x</ETag></Part>'), 'MalformedXML'],
    ['a part number out of range', doc('<Part><PartNumber>0</PartNumber><ETag>x</ETag></Part>'), 'InvalidArgument'],
    [
      'a malformed checksum',
      doc('<Part><PartNumber>1</PartNumber><ETag>x</ETag><ChecksumCRC32>nope</ChecksumCRC32></Part>'),
      'InvalidRequest',
    ],
  ])('refuses %s', async (_what, xml, code) => {
    await expect(parseCompleteRequest(xml)).rejects.toBeInstanceOf(S3Error);
    await expect(parseCompleteRequest(xml)).rejects.toMatchObject({ code });
  });
});

import { Module } from '@nestjs/common';
import { BucketOperations } from './buckets/bucket-operations.service.js';
import { S3CredentialsProvider } from './credentials/s3-credentials.provider.js';
import { S3ReplyWriter } from './http/s3-reply.writer.js';
import { S3RequestListener } from './http/s3-request.listener.js';
import { AbandonedUploadsCleaner } from './multipart/abandoned-uploads.cleaner.js';
import { MultipartOperations } from './multipart/multipart-operations.service.js';
import { DeleteObjectsOperation } from './objects/delete-objects.operation.js';
import { ObjectOperations } from './objects/object-operations.service.js';
import { S3Dispatcher } from './s3.dispatcher.js';

/**
 * The S3 API (path style, a bucket per project). The buckets come from the `ServedBuckets` token (the projects
 * module provides it globally). It has no controller: S3RequestListener takes every request of the app's HTTP server
 * whose path is not under `/_admin` straight from the server; the rest (the admin API) reaches Nest's routes.
 */
@Module({
  providers: [
    S3CredentialsProvider,
    S3Dispatcher,
    BucketOperations,
    ObjectOperations,
    DeleteObjectsOperation,
    MultipartOperations,
    AbandonedUploadsCleaner,
    S3ReplyWriter,
    S3RequestListener,
  ],
  exports: [S3CredentialsProvider],
})
export class S3Module {}

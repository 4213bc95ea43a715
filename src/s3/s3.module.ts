import { Module } from '@nestjs/common';
import { BucketOperations } from './buckets/bucket-operations.service.js';
import { S3CredentialsProvider } from './credentials/s3-credentials.provider.js';
import { ExpectContinueInstaller } from './http/expect-continue.installer.js';
import { MalformedUrlHandler } from './http/malformed-url.handler.js';
import { S3ReplyWriter } from './http/s3-reply.writer.js';
import { AbandonedUploadsCleaner } from './multipart/abandoned-uploads.cleaner.js';
import { MultipartOperations } from './multipart/multipart-operations.service.js';
import { DeleteObjectsOperation } from './objects/delete-objects.operation.js';
import { ObjectOperations } from './objects/object-operations.service.js';
import { S3Controller } from './s3.controller.js';
import { S3Dispatcher } from './s3.dispatcher.js';
import { S3ExceptionFilter } from './s3-exception.filter.js';

/**
 * The S3 API (path style, a bucket per project). The buckets come from the `ServedBuckets` token (the projects
 * module provides it globally). Its controller is a catch-all: import this module after every module with routes
 * of its own (AdminModule), or create the app with `routeResolutionStrategy: 'specificity'`.
 */
@Module({
  controllers: [S3Controller],
  providers: [
    S3CredentialsProvider,
    S3Dispatcher,
    BucketOperations,
    ObjectOperations,
    DeleteObjectsOperation,
    MultipartOperations,
    AbandonedUploadsCleaner,
    S3ReplyWriter,
    S3ExceptionFilter,
    ExpectContinueInstaller,
    MalformedUrlHandler,
  ],
  exports: [S3CredentialsProvider],
})
export class S3Module {}

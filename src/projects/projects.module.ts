import { Global, Module } from '@nestjs/common';
import { ServedBuckets } from '../s3/buckets/served-buckets.port.js';
import { ProjectsRegistry } from './projects.registry.js';

/**
 * The composition of each project's parts (storage → dataset → dvc → git, driven by its sync loop), built from
 * `projectsConfig`. Global: the S3 layer finds buckets through `ServedBuckets`, admin and metrics watch the
 * registry, without any of them building a project's parts.
 */
@Global()
@Module({
  providers: [ProjectsRegistry, { provide: ServedBuckets, useExisting: ProjectsRegistry }],
  exports: [ProjectsRegistry, ServedBuckets],
})
export class ProjectsModule {}

import { Module } from '@nestjs/common';
import { AdminModule } from './admin/admin.module.js';
import { AppConfigModule } from './config/app-config.module.js';
import { ProjectsModule } from './projects/projects.module.js';
import { S3Module } from './s3/s3.module.js';

/**
 * The story of the data: s3 → storage → dataset → dvc → git, driven by sync, once per project (projects composes
 * each project's parts); admin watches.
 * AdminModule comes before S3Module: the S3 controller is a catch-all, and `/_admin/...` must reach admin.
 */
@Module({
  imports: [AppConfigModule, ProjectsModule, AdminModule, S3Module],
})
export class AppModule {}

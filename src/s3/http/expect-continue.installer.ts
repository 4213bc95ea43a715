import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { installExpectContinue } from './expect-continue.js';

/** Non-S3 routes (the admin API) keep Node's default: `100 Continue` at once. */
const ADMIN_PATH = /^\/_admin(\/|\?|$)/;

/** Hooks `Expect: 100-continue` handling into the HTTP(S) server the app was created with (see expect-continue.ts). */
@Injectable()
export class ExpectContinueInstaller implements OnApplicationBootstrap {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    // Absent in a testing module that never creates an HTTP app.
    if (server && typeof server.on === 'function') installExpectContinue(server, (url) => ADMIN_PATH.test(url));
  }
}

import { describe, expect, it } from '@jest/globals';
import { syncErrorAdvice } from './sync-error.advice.js';

describe('syncErrorAdvice', () => {
  it.each([
    [
      "1 of 3 objects could not be uploaded to s3://dvc/store (remote 'storage'): InvalidAccessKeyId: The AWS Access Key Id you provided does not exist",
      /DVC_REMOTE_ACCESS_KEY_ID/,
    ],
    [
      'cannot list s3://missing (remote x): NoSuchBucket: The specified bucket does not exist',
      /bucket does not exist: create it/,
    ],
    [
      'the git server at https://git.example/team/data.git refused the credentials (HTTP 401): check GIT_USERNAME and GIT_TOKEN',
      /GIT_TOKEN/,
    ],
    [
      'the git server at https://git.example/x.git denied access (HTTP 403): GIT_TOKEN must grant write (push) access',
      /GIT_TOKEN/,
    ],
    [
      "the branch's data/annotations.json.dvc points to abc, which s3://x does not have: a teammate committed it without 'dvc push'.",
      /run 'dvc push'/,
    ],
    ['cannot reach the git server at http://10.0.0.1/x.git: ECONNREFUSED', /cannot be reached/],
    ['object 3f: cannot write to /mnt/dvc: ENOSPC: no space left on device', /disk is full/],
    ['object 3f: cannot write to /mnt/dvc: EACCES: permission denied', /permissions/],
    ['the branch kept moving: gave up after 6 attempts (will retry)', /branch of its own/],
    ['something nobody foresaw', /service log/],
  ])('%s', (message, advice) => {
    expect(syncErrorAdvice(message)).toMatch(advice);
  });
});

import { describe, expect, it } from '@jest/globals';
import { collectDvcRemoteOptions } from './env.schema.js';

describe('collectDvcRemoteOptions (DVC_REMOTE_<OPTION>)', () => {
  it.each<[string, Record<string, string>, Record<string, string>]>([
    ['nothing set', { PATH: '/usr/bin' }, {}],
    [
      'any option, lower-cased as in .dvc/config',
      { DVC_REMOTE_CONNECTION_STRING: 'UseDevelopmentStorage=true', DVC_REMOTE_KNOWN_HOSTS: '/kh' },
      { connection_string: 'UseDevelopmentStorage=true', known_hosts: '/kh' },
    ],
    [
      'the documented S3 settings are options too',
      { DVC_REMOTE_ACCESS_KEY_ID: 'AKIA', DVC_REMOTE_ENDPOINT_URL: 'http://minio:9000' },
      { access_key_id: 'AKIA', endpoint_url: 'http://minio:9000' },
    ],
    ['DVC_REMOTE and DVC_REMOTE_URL are not options', { DVC_REMOTE: 'r', DVC_REMOTE_URL: 'gs://b' }, {}],
    ['an empty value is unset', { DVC_REMOTE_PASSWORD: '  ' }, {}],
  ])('%s', (_name, env, options) => {
    expect(collectDvcRemoteOptions(env)).toEqual(options);
  });

  it('refuses a name that is not upper case, without its value', () => {
    const run = () => collectDvcRemoteOptions({ DVC_REMOTE_password: 'hunter2-secret' });
    expect(run).toThrow(/DVC_REMOTE_password: DVC remote options are DVC_REMOTE_ \+ the option's name in upper case/);
    expect(run).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2-secret') }));
  });
});

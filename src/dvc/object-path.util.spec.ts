import { describe, expect, it } from '@jest/globals';
import { objectIdFromRelPath, objectRelPath } from './object-path.util.js';

describe('objectRelPath / objectIdFromRelPath', () => {
  it.each([
    ['1f7158efe575281d65231791a6d4a244', 'files/md5/1f/7158efe575281d65231791a6d4a244'],
    ['abbbda1220ff3fd9ae205e7b74ff140d.dir', 'files/md5/ab/bbda1220ff3fd9ae205e7b74ff140d.dir'],
  ])('%s ↔ %s', (id, path) => {
    expect(objectRelPath(id)).toBe(path);
    expect(objectIdFromRelPath(path)).toBe(id);
  });

  it.each(['../etc/passwd', 'ABBBDA1220FF3FD9AE205E7B74FF140D', '', 'abbbda1220ff3fd9ae205e7b74ff140d.tmp'])(
    'refuses the id %j',
    (id) => {
      expect(() => objectRelPath(id)).toThrow(/not a DVC object id/);
    },
  );

  it.each([
    '1f/7158efe575281d65231791a6d4a244',
    'files/md5/1f/7158efe575281d65231791a6d4a244.tmp',
    'files/md5/1f7/158efe575281d65231791a6d4a244',
  ])('reads %j as no object', (path) => expect(objectIdFromRelPath(path)).toBeUndefined());
});

import { annotationBody, labelsByTask, taskModeBody } from './label-studio-bodies.js';

/**
 * The objects these tests write, and what a data scientist must find after `dvc pull`. Expectations are
 * written out by hand (ids, labels, bytes), never recomputed with the service's own dataset code.
 */
export const UNICODE_TEXT = 'Café ☕ naïve — 東京 🚀';

/** Label Studio Target storage with prefix `exports/`: keys `exports//<annotation id>` (the `//` is real). */
export const labelStudioRound1: Record<string, string> = {
  'exports//17': annotationBody({
    id: 17,
    task: 5,
    text: UNICODE_TEXT,
    choice: 'Positive',
    updatedAt: '2024-05-02T10:00:00.000000Z',
  }),
  'exports//18': annotationBody({
    id: 18,
    task: 5,
    text: UNICODE_TEXT,
    choice: 'Neutral',
    updatedAt: '2024-05-02T11:00:00.000000Z',
  }),
  'exports//21': annotationBody({
    id: 21,
    task: 7,
    text: 'second task',
    choice: 'Positive',
    updatedAt: '2024-05-02T12:00:00.000000Z',
  }),
  'exports//22': annotationBody({
    id: 22,
    task: 8,
    text: 'only annotation deleted later',
    choice: 'Negative',
    updatedAt: '2024-05-02T12:30:00.000000Z',
  }),
  // Task mode (FUTURE_SAVE_TASK_TO_STORAGE): the whole task in one object.
  'tasks/9.json': taskModeBody({ id: 9, text: 'task mode', updatedAt: '2024-05-02T13:00:00.000000Z' }, [
    { id: 30, choice: 'Positive', updatedAt: '2024-05-02T13:00:00.000000Z' },
  ]),
  // Not Label Studio JSON: kept in storage, left out of a JSON dataset and listed as rejected.
  'notes/readme.txt': 'not an annotation\n',
};

/** Round 2: annotation 17 edited, 22 deleted (task 8 loses its only annotation), 23 added to task 7. */
export const labelStudioRound2 = {
  put: {
    'exports//17': annotationBody({
      id: 17,
      task: 5,
      text: UNICODE_TEXT,
      choice: 'Negative',
      updatedAt: '2024-05-03T09:00:00.000000Z',
    }),
    'exports//23': annotationBody({
      id: 23,
      task: 7,
      text: 'second task',
      choice: 'Negative',
      updatedAt: '2024-05-03T09:30:00.000000Z',
    }),
  },
  delete: ['exports//22'],
};

/** task id → [annotation id, choice] after both rounds. */
export const labelStudioExpected: ReturnType<typeof labelsByTask> = {
  5: [
    [17, 'Negative'],
    [18, 'Neutral'],
  ],
  7: [
    [21, 'Positive'],
    [23, 'Negative'],
  ],
  9: [[30, 'Positive']],
};

/** Bytes that are not text: every byte value, twice over, in a fixed order. */
export const binaryBytes = Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 7919) % 256));

export const directoryRound1: Record<string, string | Buffer> = {
  'exports//17': labelStudioRound1['exports//17'],
  'images/été 2024/photo 1.json': '{"label": "chat"}\n',
  'a/b/c/deep.txt': 'deep\n',
  '日本/猫.json': '{"label": "猫"}\n',
  'plain.txt': 'deleted in round 2\n',
  'notes.md': 'version 1\n',
  'bin/blob.bin': binaryBytes,
  '100% done.json': '{"progress": 1}\n',
};

export const directoryRound2 = {
  put: { 'notes.md': 'version 2\n', 'new file.txt': 'added in round 2\n' } as Record<string, string>,
  delete: ['plain.txt'],
};

/** relpath in the pulled folder → bytes, after both rounds (the empty segment of `exports//17` is `%`). */
export const directoryExpected: Record<string, Buffer> = {
  'exports/%/17': Buffer.from(labelStudioRound1['exports//17']),
  'images/été 2024/photo 1.json': Buffer.from('{"label": "chat"}\n'),
  'a/b/c/deep.txt': Buffer.from('deep\n'),
  '日本/猫.json': Buffer.from('{"label": "猫"}\n'),
  'notes.md': Buffer.from('version 2\n'),
  'new file.txt': Buffer.from('added in round 2\n'),
  'bin/blob.bin': binaryBytes,
  '100%25 done.json': Buffer.from('{"progress": 1}\n'), // `%` is the escape character of the mapping
};

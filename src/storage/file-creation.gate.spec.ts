import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { closeSync, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOnLoop } from './durable-fs.js';
import { FileCreationGate } from './file-creation.gate.js';

describe('FileCreationGate', () => {
  let dir: string;
  let clock: number;
  /** How long the next creations on the event loop take, as the gate's clock sees them. */
  let takes: number;
  let gate: FileCreationGate;
  let made: number;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'create-gate-'));
    clock = 0;
    takes = 0.03;
    made = 0;
    gate = new FileCreationGate(
      () => clock,
      (path) => {
        clock += takes;
        return createOnLoop(path);
      },
    );
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Creates the next file through the gate: 'loop' when its descriptor came back at once, else 'pool'. */
  async function create(): Promise<'loop' | 'pool'> {
    const path = join(dir, `file-${made++}`);
    const fd = gate.create(path);
    const where = typeof fd === 'number' ? 'loop' : 'pool';
    closeSync(await fd);
    expect(existsSync(path)).toBe(true);
    clock += 1; // the next PUT
    return where;
  }

  async function createMany(count: number): Promise<Set<'loop' | 'pool'>> {
    const where = new Set<'loop' | 'pool'>();
    for (let i = 0; i < count; i++) where.add(await create());
    return where;
  }

  it('creates on the event loop while creations there are quick, and past a lone slow one', async () => {
    expect(await createMany(100)).toEqual(new Set(['loop']));
    takes = 10; // one creation waits for the disk
    expect(await create()).toBe('loop');
    takes = 0.03;
    expect(await createMany(100)).toEqual(new Set(['loop']));
  });

  it('creates on the pool for 10 s once creations on the loop have turned slow, then tries the loop again', async () => {
    takes = 0.8; // a slow disk: every creation waits
    let onLoop = 0;
    while (onLoop < 100 && (await create()) === 'loop') onLoop++;
    expect(onLoop).toBeGreaterThan(10); // not at the first slow one
    expect(onLoop).toBeLessThan(100);
    expect(await createMany(50)).toEqual(new Set(['pool']));
    clock += 10_000;
    takes = 0.03;
    expect(await createMany(100)).toEqual(new Set(['loop']));
  });
});

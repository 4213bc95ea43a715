import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { dvcEnv } from '../support/dvc-cli.js';
import { runCommand } from '../support/run-command.js';
import { startService, withLogs } from '../support/service.js';
import { repoRoot, toolPaths } from '../support/tools.js';

/** The fenced bash blocks of the README's "Try it" section, in order. */
function tryItBlocks(): string[] {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Try it');
  expect(start).toBeGreaterThanOrEqual(0);
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  return [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]);
}

describe("README 'Try it', copy-pasted", () => {
  it('the second terminal stores a Label Studio annotation, commits it and dvc pull gets it back', async () => {
    const [first, second] = tryItBlocks();
    // The first terminal is `npm start` in the clone: the service with embedded defaults, data in ./data.
    expect(first.trim()).toBe('npm ci && LOG_FORMAT=pretty npm start');
    const folder = mkdtempSync(join(tmpdir(), 'ops-try-it-'));
    const service = await startService({
      dataDir: join(folder, 'data'),
      // Nothing configured: credentials are generated, the repository and DVC remote embedded.
      env: { S3_ACCESS_KEY_ID: '', S3_SECRET_ACCESS_KEY: '', LOG_FORMAT: 'pretty' },
    });
    try {
      await withLogs(service, async () => {
        // Pasted into bash in the same folder; only the port differs from the README's 8000.
        const script = second.replaceAll('http://localhost:8000', service.url);
        expect(script).not.toBe(second);
        const tools = toolPaths();
        const run = await runCommand('bash', ['-euo', 'pipefail', '-c', script], {
          cwd: folder,
          env: { ...dvcEnv(), PATH: [dirname(tools.dvc), dirname(process.execPath), process.env.PATH].join(':') },
        });
        expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
        expect(run.stdout).toContain('data/annotations.json.dvc');
        const dataset = JSON.parse(
          readFileSync(join(folder, 'dataset', 'data', 'annotations.json'), 'utf8'),
        ) as unknown;
        expect(dataset).toEqual([
          expect.objectContaining({
            id: 1,
            data: { text: 'I love this product' },
            annotations: [
              expect.objectContaining({
                id: 1,
                result: [expect.objectContaining({ value: { choices: ['Positive'] } })],
              }),
            ],
          }),
        ]);
        expect(service.logs()).toMatch(/INFO {2}\[S3\] PutObject 200 .*key=exports\/1/);
      });
    } finally {
      await service.stop();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

import { describe, expect, it } from '@jest/globals';
import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import { EnvironmentVariables, validateEnvironment } from './env.schema.js';

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

/** Every setting the schema validates: each property carries at least one class-validator decorator. */
const settings = [
  ...new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(EnvironmentVariables, '', true, false)
      .map((metadata) => metadata.propertyName),
  ),
].sort();
const defaults = validateEnvironment({}) as unknown as Record<string, string | number | undefined>;
const shown = (name: string) => (defaults[name] === undefined ? '—' : `\`${String(defaults[name])}\``);

/** README "Configuration reference": `| `NAME` | default | meaning |` rows. */
function readmeRows(): Map<string, { default: string; meaning: string }> {
  const readme = read('README.md');
  const start = readme.indexOf('## Configuration reference');
  expect(start).toBeGreaterThanOrEqual(0);
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const rows = new Map<string, { default: string; meaning: string }>();
  for (const match of section.matchAll(/^\| `([A-Z0-9_]+)` \| ([^|]+) \| (.+) \|$/gm)) {
    rows.set(match[1], { default: match[2].trim(), meaning: match[3].trim() });
  }
  return rows;
}

describe('configuration reference', () => {
  it('the schema has settings to document (guards the metadata lookup)', () => {
    expect(settings).toEqual(
      expect.arrayContaining(['PORT', 'LOG_LEVEL', 'LOG_FORMAT', 'GIT_TOKEN', 'SYNC_MAX_PENDING']),
    );
  });

  it('the README table has exactly one row per setting, with its default and a meaning', () => {
    const rows = readmeRows();
    const missing = settings.filter((name) => !rows.has(name));
    // On failure, the rows to add (or fix) are printed ready to paste.
    expect(missing.map((name) => `| \`${name}\` | ${shown(name)} | … |`)).toEqual([]);
    expect([...rows.keys()].filter((name) => !settings.includes(name))).toEqual([]);
    for (const name of settings) {
      expect({ name, default: rows.get(name)!.default }).toEqual({ name, default: shown(name) });
      expect(rows.get(name)!.meaning.length).toBeGreaterThan(10);
    }
  });

  it('.env.example names every setting, and the values it sets are the defaults', () => {
    const example = read('.env.example');
    const named = new Set([...example.matchAll(/^#?\s*([A-Z0-9_]+)=/gm)].map((m) => m[1]));
    expect(settings.filter((name) => !named.has(name))).toEqual([]);
    for (const [, name, value] of example.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)) {
      expect({ name, value }).toEqual({ name, value: String(defaults[name]) });
    }
  });
});

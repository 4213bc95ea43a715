import { resolve } from 'node:path';

/** --out=<name> writes bench/results/<name>.md instead of the default (e.g. for a one-off bigger run). */
export function outName(fallback: string): string {
  const arg = process.argv.find((a) => a.startsWith('--out='));
  const name = arg ? arg.slice('--out='.length) : fallback;
  if (!/^[\w.-]+$/.test(name)) throw new Error('--out must be a plain file name (letters, digits, . _ -)');
  return name;
}

/** A positive integer `--<name>=N` (or `--<name> N`) from the command line, or the fallback (which may be 0: off). */
export function option(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const spaced = process.argv.indexOf(`--${name}`);
  const given = arg ? arg.split('=')[1] : spaced >= 0 ? process.argv[spaced + 1] : undefined;
  if (given === undefined) return fallback;
  const value = Number(given);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

/** A text `--<name>=value` from the command line (the value may hold `=`), or the fallback. */
export function textOption(name: string): string | undefined;
export function textOption(name: string, fallback: string): string;
export function textOption(name: string, fallback?: string): string | undefined {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
}

/** Node/V8 flags `--<name>=--flag,--flag=value` (comma-separated, as a flag's value may hold spaces), or none. */
export function nodeArgsOption(name: string): string[] {
  return (textOption(name) ?? '').split(',').filter(Boolean);
}

/** A boolean `--<name>` switch. */
export function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

/**
 * The two builds of an A/B benchmark, paths resolved: `--a=<build>/dist/main.js` (the caller requires it), `--b`
 * (default: `thisBuild`), and their `--a-label`/`--b-label` (default: A and B).
 */
export function abBuilds(thisBuild: string): [{ label: string; main?: string }, { label: string; main: string }] {
  const a = textOption('a');
  return [
    { label: textOption('a-label', 'A'), main: a && resolve(a) },
    { label: textOption('b-label', 'B'), main: resolve(textOption('b', thisBuild)) },
  ];
}

import { readFileSync } from 'node:fs'

/** pyward's version, from its package.json (two levels above this file in src/ and in dist/). */
export function readPackageVersion(): string {
  const manifest = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as { version: string }
  return manifest.version
}

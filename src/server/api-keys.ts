/**
 * Bearer-token authentication for the HTTP service. Keys are compared by their SHA-256 digests
 * with a constant-time comparison, so neither a key's length nor its first differing byte shows
 * in the time an answer takes. A request is known by the key it used (for per-key limits), by
 * the key's index, never by the key itself.
 *
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'

/** Shorter keys are refused: a key must not be guessable. */
export const MIN_KEY_LENGTH = 16

export interface ApiKeys {
  /** The identity of the key in an `Authorization: Bearer <key>` header, or null. */
  identify(authorization: string | undefined): string | null
}

export function apiKeys(keys: readonly string[]): ApiKeys {
  const digests = keys.map(digest)
  return {
    identify(authorization) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')
      if (!match) return null
      const given = digest(match[1] as string)
      let found = -1
      // Every key is compared, whichever matches.
      digests.forEach((known, index) => {
        if (timingSafeEqual(known, given) && found < 0) found = index
      })
      return found < 0 ? null : `key-${found}`
    },
  }
}

/** The keys in a file, one a line; blank lines and lines starting with # are skipped. */
export function readApiKeyFile(path: string): string[] {
  const keys = readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
  if (keys.length === 0) throw new Error(`${path} holds no API key (one a line)`)
  const short = keys.findIndex((key) => key.length < MIN_KEY_LENGTH || /\s/.test(key))
  if (short >= 0) {
    throw new Error(
      `key ${short + 1} in ${path} is shorter than ${MIN_KEY_LENGTH} characters or holds a space: use a long random key (e.g. openssl rand -hex 32)`,
    )
  }
  return keys
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest()
}

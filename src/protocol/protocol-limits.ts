/**
 * Bounds both ends of the protocol agree on. No imports: the sandbox's side loads this too, and
 * the sandbox has no node_modules.
 *
 * @module
 */

/** Entries a file list may hold: the sandbox stops listing there. */
export const MAX_LISTED_FILES = 100_000

/**
 * The `init` message: the part of the policy the sandbox applies itself.
 *
 * @module
 */
import { Buffer } from 'node:buffer'
import { MAX_FILE_BYTES, SCRATCH_DIR } from '../policy/limits.js'
import type { ResolvedPolicy } from '../policy/resolve-policy.js'
import type { InitMessage, SnapshotStart } from '../protocol/messages.js'
import { PROTOCOL_VERSION } from '../protocol/version.js'

/**
 * `mountPaths`: where the sandbox's Node finds each mount's host path, in policy order;
 * `snapshot`: how its interpreter starts; `warmUp`: whether to optimise it before the first run.
 */
export function buildInitMessage(
  policy: ResolvedPolicy,
  mountPaths: readonly string[],
  snapshot: SnapshotStart,
  warmUp: boolean,
): InitMessage {
  return {
    type: 'init',
    protocolVersion: PROTOCOL_VERSION,
    memoryCapBytes: policy.memoryMb * 1024 * 1024,
    maxOutputBytes: policy.maxOutputBytes,
    maxValueBytes: policy.maxValueBytes,
    maxFileBytes: MAX_FILE_BYTES,
    scratchDir: SCRATCH_DIR,
    env: { ...policy.env },
    files: policy.files.map((file) => ({
      path: file.path,
      data: Buffer.from(file.data).toString('base64'),
    })),
    mounts: policy.mounts.map((mount, index) => ({
      ...mount,
      hostPath: mountPaths[index] as string,
    })),
    recursionLimit: policy.recursionLimit,
    snapshot,
    warmUp,
  }
}

import assert from 'node:assert/strict'
import { it } from 'node:test'
import * as pyward from '../../src/index.ts'

it('exports exactly the documented public surface', () => {
  assert.deepEqual(Object.keys(pyward).sort(), [
    'InvalidOptionsError',
    'Sandbox',
    'SandboxError',
    'SandboxPool',
    'checkIsolation',
    'createPool',
    'diagnoseIsolation',
    'limits',
    'policySchema',
    'run',
  ])
})

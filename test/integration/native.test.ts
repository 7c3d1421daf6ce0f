import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { numpyPython, openSandbox, TEST_TIMEOUT_MS } from '../helpers/sandboxes.ts'

// What only the native runtime does: the host interpreter's C extensions. The result semantics
// both runtimes share are pinned by results, limits and crashes, run once for each runtime.
describe('the native runtime', { timeout: TEST_TIMEOUT_MS * 2 }, () => {
  const python = numpyPython()

  it('runs numpy, a C extension, and returns what it computes', {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const sandbox = await openSandbox(t, { runtime: 'native', python })
    const solved = await sandbox.run(
      [
        'import numpy as np',
        'a = np.array([[3.0, 1.0], [1.0, 2.0]])',
        'x = np.linalg.solve(a, [9.0, 8.0])',
        '[x.round(9).tolist(), round(float(np.linalg.det(a)), 9)]',
      ].join('\n'),
    )
    assert.equal(solved.status, 'ok', solved.error?.traceback)
    assert.deepEqual(solved.value, [[2, 3], 5])
    const array = await sandbox.run('x.round(9)')
    assert.deepEqual([array.value, array.valueRepr], [null, 'array([2., 3.])'])
    const singular = await sandbox.run('np.linalg.solve([[1, 2], [2, 4]], [1, 2])', {
      filename: 'solve.py',
    })
    assert.equal(singular.status, 'error')
    assert.equal(singular.error?.type, 'numpy.linalg.LinAlgError')
    assert.equal(singular.error?.message, 'Singular matrix')
    assert.match(singular.error?.traceback ?? '', /^ {2}File "solve.py", line 1, in <module>$/m)
  })

  it('sees only the site-packages it is given', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const sandbox = await openSandbox(t, { runtime: 'native', python, sitePackages: [] })
    const result = await sandbox.run('import numpy')
    assert.equal(result.error?.type, 'ModuleNotFoundError')
  })

  it('gives math libraries one thread unless the policy says otherwise, outside os.environ', {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    // OpenBLAS starts a thread per core otherwise, each with its stack and buffers, against the
    // address-space cap and the task limit: on a many-core host numpy would not even import.
    // The libraries read the C environment, which is what the guest's getenv() sees.
    const code = [
      'import ctypes, os',
      'getenv = ctypes.CDLL(None).getenv',
      'getenv.restype = ctypes.c_char_p',
      'names = ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"]',
      '[[getenv(name.encode()) and getenv(name.encode()).decode() for name in names], dict(os.environ)]',
    ].join('\n')
    const single = await (await openSandbox(t, { runtime: 'native', python })).run(code)
    assert.equal(single.status, 'ok', single.error?.traceback)
    assert.deepEqual(single.value, [['1', '1', '1'], {}])
    const env = { OPENBLAS_NUM_THREADS: '2' }
    const two = await (await openSandbox(t, { runtime: 'native', python, env })).run(code)
    assert.equal(two.status, 'ok', two.error?.traceback)
    assert.deepEqual(two.value, [['2', '1', '1'], env])
  })
})

/**
 * Takes host-reaching capabilities out of the sandbox's JavaScript realm before guest code runs.
 *
 * This is hardening, not the boundary. Python reaches this realm in a few lines (`import js`,
 * `pyodide_js`, any proxy's `constructor`), so everything left here is the guest's. The boundary
 * is the process (empty environment, own pipes, killed by the host) and, from the next layer on,
 * the OS confinement around it. Node's permission model (no fs writes, reads only of the runtime's
 * files and the mounts, no child processes, workers or addons) backs this up, but Node itself
 * says it is no defence against malicious code, and on Node 20 it leaves the network open.
 *
 * @module
 */

/** `process` members that act on other processes, load native code, or read host state. */
const PROCESS_MEMBERS_TO_REMOVE = [
  // Signals to any process of the same user. `_debugProcess(pid)` sends SIGUSR1, which opens a
  // host Node process's inspector on 127.0.0.1:9229: a full takeover of the host.
  'kill',
  '_kill',
  '_debugProcess',
  '_debugEnd',
  // Native code and Node internals.
  'dlopen',
  '_linkedBinding',
  'getBuiltinModule',
  // Host facts (environment, paths, versions of everything, network interfaces), and file writes.
  'report',
  'loadEnvFile',
  // Live handles of this process, among them the protocol socket.
  '_getActiveHandles',
  '_getActiveRequests',
  'getActiveResourcesInfo',
  'openStdin',
  // Credentials: as root, the guest could change its own groups; name lookups read /etc/group
  // through libc, outside the permission model.
  'setuid',
  'setgid',
  'seteuid',
  'setegid',
  'setgroups',
  'initgroups',
  // A crash on demand (with a core dump where the host allows them), and a write to fd 2 that
  // skips the diagnostics budget.
  'abort',
  '_rawDebug',
] as const

/**
 * `chdir` lets the guest make relative host paths mean what it wants. Pyodide assigns
 * `process.chdir` itself (loading `pyodide.http` does), so it stays writable, but what it holds
 * refuses.
 */
function refuseChdir(): void {
  Object.defineProperty(process, 'chdir', {
    value: () => {
      throw new Error('pyward: process.chdir is not available in the sandbox')
    },
    writable: true,
    configurable: false,
  })
}

/**
 * Network clients a guest could otherwise use from the realm, and the globals that load undici
 * (whose client is also locked out before load, see guard-before-load.ts). The compression
 * streams run on libuv's worker threads, which keep working while the sandbox's main thread waits
 * between requests (measured with WebCrypto: 200 % CPU on an "idle" sandbox).
 */
const GLOBALS_TO_REMOVE = [
  'fetch',
  'Request',
  'Response',
  'Headers',
  'FormData',
  'MessageEvent',
  'WebSocket',
  'EventSource',
  'CompressionStream',
  'DecompressionStream',
  'Crypto',
  'SubtleCrypto',
  'CryptoKey',
  // Structured cloning rebuilds objects from a 'module:Class' string that a cloned Blob names:
  // with a hook on a prototype, the guest got Node's internal require and every built-in module
  // (measured: net connections, host socket files, another process's priority). These are all
  // the ways into it that the realm offers; `performance` is replaced below for the same reason
  // (performance.mark clones its `detail`).
  'structuredClone',
  'MessageChannel',
  'MessagePort',
  'BroadcastChannel',
  'Blob',
  'File',
  'Performance',
  'PerformanceEntry',
  'PerformanceMark',
  'PerformanceMeasure',
  'PerformanceObserver',
  'PerformanceObserverEntryList',
  'PerformanceResourceTiming',
  'require',
  'module',
] as const

/** WebAssembly's streaming entry points take a Response: they load undici too. */
const WEBASSEMBLY_MEMBERS_TO_REMOVE = ['compileStreaming', 'instantiateStreaming'] as const

/**
 * Pyodide's own doors to the host: `useNodeSockFS` gives Python real TCP sockets through
 * `node:net` (measured: a guest reached a loopback listener through it), and `mountNodeFS` would
 * let the guest mount host directories itself. The guest reaches this API object as `pyodide_js`.
 */
const PYODIDE_MEMBERS_TO_REMOVE = [
  'useNodeSockFS',
  'mountNodeFS',
  // Package loading reads host files with fs/promises inside the realm (a FileHandle was caught
  // that way); there are no packages to load offline anyway.
  'loadPackage',
  'loadPackagesFromImports',
] as const
const PYODIDE_INTERNALS_TO_REMOVE = [
  'initializeNodeSockFS',
  'loadBinaryFile',
  'loadPackage',
] as const

export function hardenRealm(pyodide: object): void {
  for (const name of PYODIDE_MEMBERS_TO_REMOVE) removeMember(pyodide, name)
  const internals = (pyodide as { _api?: object })._api
  if (internals) for (const name of PYODIDE_INTERNALS_TO_REMOVE) removeMember(internals, name)
  for (const name of PROCESS_MEMBERS_TO_REMOVE) removeMember(process, name)
  refuseChdir()
  // The sandbox process starts with an empty environment already; this keeps it that way for
  // anything Node or Pyodide would copy into it later.
  Object.defineProperty(process, 'env', {
    value: Object.freeze(Object.create(null)),
    writable: false,
    configurable: false,
    enumerable: true,
  })
  lockMessagingSymbols()
  for (const name of GLOBALS_TO_REMOVE) removeMember(globalThis, name)
  replacePerformance()
  const wasm = (globalThis as unknown as { WebAssembly: object }).WebAssembly
  for (const name of WEBASSEMBLY_MEMBERS_TO_REMOVE) removeMember(wasm, name)
  // process.title is the command line `ps` shows (/proc/<pid>/cmdline): name the process once,
  // here (defining it sets it), and lock it so the guest cannot disguise it.
  Object.defineProperty(process, 'title', {
    value: 'pyward-sandbox',
    writable: false,
    configurable: false,
  })
  replaceWebCrypto()
  freezeShared()
}

/**
 * Objects whose properties Node's internals look up when they build or call things, and which the
 * guest can reach. A setter put on one of them, or a replaced function, is handed what the
 * internals pass through (measured: a setter on Object.prototype caught a Module whose `require`
 * loads any built-in, and the Signal class; a replaced `EventEmitter.init`, reached through
 * process's prototype chain, caught a FileHandle and through it the `fs` module). Frozen, they take
 * no new property and keep their own.
 */
function freezeShared(): void {
  const eventEmitterPrototype = Object.getPrototypeOf(Object.getPrototypeOf(process)) as object & {
    constructor: object
  }
  for (const target of [
    Object.prototype,
    eventEmitterPrototype,
    eventEmitterPrototype.constructor,
  ]) {
    freezeKeepingAssignment(target)
  }
  Object.defineProperty(process, 'nextTick', {
    value: process.nextTick,
    writable: false,
    configurable: false,
  })
}

/**
 * Freezes `target`, first turning each of its data properties into an accessor whose setter gives
 * the assigning object an own property, as assignment would have. Freezing alone would break
 * `object.constructor = X` or `this._events = {}` on objects that inherit from `target` (the
 * "override mistake"; Pyodide's async machinery and EventEmitter both assign so). Node's
 * --frozen-intrinsics does the same.
 */
function freezeKeepingAssignment(target: object): void {
  const record = target as Record<PropertyKey, unknown>
  for (const key of Reflect.ownKeys(record)) {
    const descriptor = Object.getOwnPropertyDescriptor(record, key)
    if (!descriptor || !('value' in descriptor) || !descriptor.writable || !descriptor.configurable)
      continue
    const value = descriptor.value
    Object.defineProperty(record, key, {
      get: () => value,
      set(this: object, replacement: unknown) {
        if (this === target)
          throw new TypeError(`Cannot assign to read only property '${String(key)}'`)
        Object.defineProperty(this, key, {
          value: replacement,
          writable: true,
          enumerable: true,
          configurable: true,
        })
      },
      enumerable: descriptor.enumerable ?? false,
      configurable: false,
    })
  }
  Object.freeze(target)
}

/**
 * Node's structured-clone hooks are symbols found on every cloneable host object. Locking them on
 * Object.prototype means no object the guest makes or finds can claim to be cloneable or
 * rebuildable through the prototype chain, should a way into cloning remain.
 */
function lockMessagingSymbols(): void {
  const blob = (globalThis as unknown as { Blob?: { prototype: object } }).Blob
  if (!blob) return
  for (const symbol of Object.getOwnPropertySymbols(blob.prototype)) {
    if (!/^messaging_/.test(symbol.description ?? '')) continue
    Object.defineProperty(Object.prototype, symbol, {
      value: undefined,
      writable: false,
      configurable: false,
    })
  }
}

/** Time, and nothing else, of `performance` (Emscripten's clock and the interrupt clock use it). */
function replacePerformance(): void {
  const original = globalThis.performance
  const now = original.now.bind(original)
  Object.defineProperty(globalThis, 'performance', {
    value: Object.freeze({ now, timeOrigin: original.timeOrigin }),
    writable: false,
    configurable: false,
  })
}

/**
 * Only randomness stays of WebCrypto (Emscripten's os.urandom uses it): `crypto.subtle` runs its
 * work on libuv's worker threads, which go on after a run returns. The originals stay bound in
 * closures the guest cannot open.
 */
function replaceWebCrypto(): void {
  const webcrypto = globalThis.crypto
  const getRandomValues = webcrypto.getRandomValues.bind(webcrypto)
  const randomUUID = webcrypto.randomUUID.bind(webcrypto)
  Object.defineProperty(globalThis, 'crypto', {
    value: Object.freeze({ getRandomValues, randomUUID }),
    writable: false,
    configurable: false,
  })
}

/** Replaces a member with `undefined`, locked so the guest cannot put it back. */
function removeMember(target: object, name: string): void {
  try {
    Object.defineProperty(target, name, { value: undefined, writable: false, configurable: false })
  } catch {
    ;(target as Record<string, unknown>)[name] = undefined
  }
}

/**
 * What this host can put around a sandbox, for callers that want to know before they run (the
 * CLI's warning in `auto`, `pyward doctor`, a service's start-up check).
 *
 * @module
 */
import { type ConfinementFindings, probeConfinement } from '../isolation/confinement-probe.js'
import { detectHostSupport } from '../isolation/host-support.js'
import type { IsolationLayer, IsolationMode, LayerStatus } from '../isolation/layers.js'
import { Sandbox } from './sandbox.js'

export type { ConfinementFindings, IsolationMode, LayerStatus }

/** Each OS layer with whether this host provides it, why not, and the fix. Probed once. */
export async function checkIsolation(): Promise<LayerStatus[]> {
  return (await detectHostSupport()).layers.map((status) => ({ ...status }))
}

export interface IsolationDiagnosis {
  /** Each OS layer as the host probe found it. */
  layers: LayerStatus[]
  /** What a process confined exactly as a sandbox saw and could reach. */
  confinement: ConfinementFindings
  /** A real Pyodide sandbox, started in `auto`, and what it reported. */
  sandbox: { ok: true; startMs: number; isolation: IsolationLayer[] } | { ok: false; error: string }
  /** A native sandbox (the host's python3, runtime "native"), started, and its Python version. */
  native: { ok: true; startMs: number; python: string } | { ok: false; error: string }
}

/** Probes the layers, looks inside a confined process, and starts a real sandbox of each runtime. */
export async function diagnoseIsolation(): Promise<IsolationDiagnosis> {
  const layers = await checkIsolation()
  const confinement = await probeConfinement('auto')
  let sandbox: IsolationDiagnosis['sandbox']
  const started = performance.now()
  try {
    await using box = await Sandbox.create({ isolation: 'auto', timeoutMs: 10_000 })
    const startMs = Math.round(performance.now() - started)
    const result = await box.run('6 * 7')
    sandbox =
      result.status === 'ok' && result.value === 42
        ? { ok: true, startMs, isolation: result.isolation }
        : { ok: false, error: `a run of 6 * 7 ended ${result.status}` }
  } catch (error) {
    sandbox = { ok: false, error: (error as Error).message }
  }
  return { layers, confinement, sandbox, native: await diagnoseNative() }
}

async function diagnoseNative(): Promise<IsolationDiagnosis['native']> {
  const started = performance.now()
  try {
    await using box = await Sandbox.create({ runtime: 'native', timeoutMs: 10_000 })
    const startMs = Math.round(performance.now() - started)
    const result = await box.run('import sys\nsys.version.split()[0]')
    if (result.status !== 'ok' || typeof result.value !== 'string') {
      return { ok: false, error: `a run ended ${result.status}` }
    }
    return { ok: true, startMs, python: result.value }
  } catch (error) {
    return { ok: false, error: (error as Error).message }
  }
}

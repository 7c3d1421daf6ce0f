// With the realm taken: starts worker threads until something stops it. The host judges by the
// cgroup's task limit: the bomb stops there, with an error.
import { once } from 'node:events'
import { Worker } from 'node:worker_threads'

const workers = []
let stopped = null
for (let i = 0; i < 500 && stopped === null; i++) {
  try {
    const worker = new Worker('setInterval(() => {}, 1000)', { eval: true })
    const [event] = await Promise.race([
      once(worker, 'online').then(() => ['online']),
      once(worker, 'error'),
    ])
    if (event instanceof Error) throw event
    workers.push(worker)
  } catch (error) {
    stopped = `${error.code ?? error.name}: ${error.message}`
  }
}
process.stdout.write(JSON.stringify({ workers: workers.length, stopped }))
process.exit(0)

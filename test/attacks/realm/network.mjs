// With the realm taken: reaches for the host's loopback TCP listener and its abstract unix socket
// through fetch, node:net, node:http and node:dgram. The host judges by its listeners.
import dgram from 'node:dgram'
import http from 'node:http'
import net from 'node:net'
import { attempt, params, report } from './_attempt.mjs'

const { port, abstractPath } = params

function connect(options) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(options, () => {
      socket.end('escaped')
      resolve('connected')
    })
    socket.on('error', reject)
    socket.setTimeout(2000, () => reject(new Error('timed out')))
  })
}

await attempt('fetch', async () => {
  const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) })
  return response.status
})
await attempt('net.connect tcp', () => connect({ port, host: '127.0.0.1' }))
await attempt('net.connect tcp ::1', () => connect({ port, host: '::1' }))
await attempt('net.connect abstract', () => connect({ path: abstractPath }))
await attempt(
  'http.get',
  () =>
    new Promise((resolve, reject) => {
      http
        .get(`http://127.0.0.1:${port}/`, (response) => resolve(response.statusCode))
        .on('error', reject)
    }),
)
await attempt(
  'dgram send',
  () =>
    new Promise((resolve, reject) => {
      const socket = dgram.createSocket('udp4')
      socket.on('error', reject)
      socket.send('escaped', port, '127.0.0.1', (error) =>
        error ? reject(error) : resolve('sent'),
      )
    }),
)
await attempt(
  'net.createServer tcp',
  () =>
    new Promise((resolve, reject) => {
      const server = net.createServer().on('error', reject)
      server.listen(0, '127.0.0.1', () => resolve(server.address()))
    }),
)
report()
process.exit(0)

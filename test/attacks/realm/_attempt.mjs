// Shared by the realm programs: their parameters (argv[2], JSON), and a way to try things and say
// what happened, printed as one JSON object on stdout. Judged by the host, not by this.
export const params = JSON.parse(process.argv[2] ?? '{}')

const outcomes = {}

export async function attempt(name, action) {
  try {
    outcomes[name] = { returned: describe(await action()) }
  } catch (error) {
    outcomes[name] = { raised: `${error?.code ?? error?.name}: ${error?.message}`.slice(0, 500) }
  }
}

export function report() {
  process.stdout.write(JSON.stringify(outcomes))
}

function describe(value) {
  if (Buffer.isBuffer(value)) return value.toString('utf8').slice(0, 2000)
  return JSON.stringify(value)?.slice(0, 2000) ?? String(value)
}

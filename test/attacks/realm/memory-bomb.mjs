// With the realm taken: takes memory outside every JavaScript heap limit, 100 MiB at a time,
// touching every page. The host judges by the cgroup's OOM kill.
const hoard = []
for (let step = 1; step <= 100; step++) {
  hoard.push(Buffer.alloc(100 << 20, step))
  process.stdout.write(`${step * 100} MiB\n`)
}
process.stdout.write('survived\n')

// Times Xen Orchestra's xen-api client from process start to objectsFetched.
// Usage: node xo-connect.mjs URL TRANSPORT   (password from $XO_PASSWORD)
// Prints: "<ms> <object count> <peak rss kb>"
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const start = performance.timeOrigin
const here = dirname(fileURLToPath(import.meta.url))
const require = createRequire(join(here, '..', 'clients', 'package.json'))
const { createClient } = await import(require.resolve('xen-api'))

const [url, transport] = process.argv.slice(2)
const xapi = createClient({
  url,
  auth: { user: 'root', password: process.env.XO_PASSWORD },
  transport,
  allowUnauthorized: true,
})
const timer = setTimeout(() => { console.error('timed out'); process.exit(1) }, 300000)
await xapi.connect()
await xapi.objectsFetched
const ms = performance.timeOrigin + performance.now() - start
const count = Object.keys(xapi.objects.all).length
console.log(`${ms.toFixed(0)} ${count} ${Math.round(process.resourceUsage().maxRSS)}`)
clearTimeout(timer)
await xapi.disconnect().catch(() => {})
process.exit(0)

// Xen Orchestra's `xen-api` client (npm, pinned in package-lock.json) against
// tests/xapi-sim, over both of its transports, for every pool source: a
// generated pool, the repo's fixtures and, when present, the real dumps in
// ../shared.  Run with `node --test`; needs `npm ci` in this directory.
//
// Environment: XAPI_SIM (simulator binary), PYTHON3, LAGOON_SOURCEDIR,
// LAGOON_SHARED_DIR.

import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'

import { createClient } from 'xen-api'

const HERE = dirname(fileURLToPath(import.meta.url))
const SOURCEDIR = process.env.LAGOON_SOURCEDIR ?? resolve(HERE, '..', '..')
const SIM = resolve(process.env.XAPI_SIM ?? join(process.env.LAGOON_BUILDDIR ?? join(SOURCEDIR, '_build'), 'tests', 'xapi-sim', 'xapi-sim'))
const PYTHON3 = process.env.PYTHON3 ?? 'python3'
const USER = 'root'
const PASSWORD = 'xo-S3cret pw'
// a simulator stops by itself after this many seconds, whatever happens here
const SIM_LIFETIME = 150
const TRANSPORTS = ['xml-rpc', 'json-rpc']

// ---------------------------------------------------------------------------
// Sources

function listSources() {
  const sources = [{ id: 'generate-3-40-7', args: ['--generate', '3:40:7'], dump: undefined, hosts: 3 }]
  const repoFixtures = join(SOURCEDIR, 'tests', 'fixtures')
  for (const name of safeReaddir(repoFixtures).filter(n => n.endsWith('.xml'))) {
    const path = join(repoFixtures, name)
    sources.push({ id: 'repo-' + name, args: ['--db', path], dump: path })
  }
  let sharedNote
  const shared = process.env.LAGOON_SHARED_DIR
  const dbdir = shared === undefined ? undefined : join(shared, 'fixtures', 'xapi-db')
  const shareds = dbdir === undefined ? [] : safeReaddir(dbdir).filter(n => statSync(join(dbdir, n)).isFile())
  if (shareds.length === 0) {
    sharedNote = `real dumps not found: ${dbdir ?? 'LAGOON_SHARED_DIR'} is absent (a user's clone has no ../shared)`
  }
  for (const name of shareds) {
    const path = join(dbdir, name)
    sources.push({ id: 'shared-' + name, args: ['--db', path], dump: path })
  }
  return { sources, sharedNote }
}

function safeReaddir(dir) {
  try {
    return readdirSync(dir).sort()
  } catch {
    return []
  }
}

// Rows per table of a xapi database dump, counted straight from the text.
function dumpRowCounts(path) {
  const text = readFileSync(path, 'utf8')
  const counts = {}
  const tableRe = /<table\s+name="([^"]*)"\s*(?:\/>|>([\s\S]*?)<\/table>)/g
  let m
  while ((m = tableRe.exec(text)) !== null) {
    const rows = m[2] === undefined ? 0 : (m[2].match(/<row[\s/>]/g) ?? []).length
    counts[m[1]] = (counts[m[1]] ?? 0) + rows
  }
  return counts
}

// ---------------------------------------------------------------------------
// Simulator process

async function startSimulator(args) {
  const dir = mkdtempSync(join(tmpdir(), 'lagoon-xo-'))
  const pwfile = join(dir, 'password')
  writeFileSync(pwfile, PASSWORD + '\n')
  const argv = [
    '-k', '5', String(SIM_LIFETIME), SIM, ...args,
    '--address', '127.0.0.1', '--port', '0', '--user', USER, '--password-file', pwfile, '--speed', '0',
  ]
  const child = spawn('timeout', argv, { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', chunk => {
    stderr = (stderr + chunk).slice(-4000)
  })
  const sim = {
    child,
    dir,
    url: undefined,
    stderr: () => stderr,
    exited: new Promise(resolve => child.on('exit', (code, signal) => resolve({ code, signal }))),
  }
  sim.url = await new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => fail(new Error('xapi-sim did not report listening within 15 s')), 15e3)
    const fail = error => {
      clearTimeout(timer)
      stopSimulator(sim)
      reject(new Error(`${error.message} (argv ${[SIM, ...args].join(' ')}); stderr: ${stderr}`))
    }
    const onExit = code => fail(new Error(`xapi-sim exited with status ${code} before listening`))
    child.on('error', fail)
    child.on('exit', onExit)
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', chunk => {
      out += chunk
      const nl = out.indexOf('\n')
      if (nl === -1) return
      const line = out.slice(0, nl)
      const m = /^xapi-sim: listening on (http:\/\/\S+:\d+)\s*$/.exec(line)
      if (m === null) {
        fail(new Error(`unexpected first stdout line from xapi-sim: ${JSON.stringify(line)}`))
        return
      }
      clearTimeout(timer)
      child.removeListener('exit', onExit)
      resolve(m[1])
    })
  })
  return sim
}

async function stopSimulator(sim) {
  if (sim === undefined) return
  const { child } = sim
  if (child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid, 'SIGTERM')
    } catch {}
    const killer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {}
    }, 5e3)
    await sim.exited
    clearTimeout(killer)
  }
  rmSync(sim.dir, { recursive: true, force: true })
}

const running = new Set()
function killAll() {
  for (const sim of running) {
    try {
      process.kill(-sim.child.pid, 'SIGKILL')
    } catch {}
  }
}
process.on('exit', killAll)
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    killAll()
    process.exit(1)
  })
}

// ---------------------------------------------------------------------------
// Helpers

// Counts of <class>.get_all_records by Python's xmlrpc.client, independently
// of the client under test.
function pythonCounts(url) {
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON3,
      [join(HERE, 'xenapi_lite.py'), '--counts', url, USER, PASSWORD],
      { timeout: 30e3 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`xenapi_lite.py --counts failed: ${error.message}\n${stderr}`))
        else resolve(JSON.parse(stdout))
      }
    )
  })
}

function countsByType(xapi) {
  const counts = {}
  for (const object of Object.values(xapi.objects.all)) {
    counts[object.$type] = (counts[object.$type] ?? 0) + 1
  }
  return counts
}

async function waitFor(what, predicate, ms = 15e3) {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    const value = predicate()
    if (value) return value
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`)
}

function withTimeout(promise, ms, what) {
  let timer
  return Promise.race([
    promise,
    new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

function vms(xapi) {
  return Object.values(xapi.objects.all).filter(o => o.$type === 'VM')
}

function ordinaryVms(xapi, powerState) {
  return vms(xapi)
    .filter(vm => !vm.is_a_template && !vm.is_control_domain && !vm.is_a_snapshot)
    .filter(vm => powerState === undefined || vm.power_state === powerState)
    .sort((a, b) => (a.$ref < b.$ref ? -1 : 1))
}

// Classes xapi has no get_all_records for; their dump tables are not expected.
const NO_GET_ALL_RECORDS = new Set([
  'session', 'auth', 'event', 'sr_stat', 'probe_result', 'LVHD', 'user', 'data_source', 'vdi_nbd_server_info',
])
// Classes whose rows xapi does not persist (written empty in dumps).
// Classes whose rows xapi does not persist (written empty in dumps), and role,
// which xapi answers from its static RBAC tables (ocaml/xapi/xapi_role.ml).
const NOT_PERSISTED = new Set(['session', 'task', 'message', 'event', 'role'])
const REMOVED = 'failure:MESSAGE_REMOVED'

// xen-api reports what goes wrong in its background work (type discovery,
// initial fetch, event loop) with console.warn only: collect it.
const warnings = []
const consoleWarn = console.warn
console.warn = (...args) => {
  const text = args.map(a => (a instanceof Error ? `${a.message}` : String(a))).join(' ')
  // the event.from pending when a simulator is stopped at teardown fails
  if (!/^_watchEvents .*(other side closed|ECONNRESET|ECONNREFUSED|socket)/.test(text)) warnings.push(text)
  consoleWarn(...args)
}

// ---------------------------------------------------------------------------
// Tests

const { sources, sharedNote } = listSources()

it('real pool dumps from ../shared are used', t => {
  if (sharedNote !== undefined) t.skip(sharedNote)
})

// one simulator per source: the sources run side by side, the steps of one
// source in order
describe('xen-api against xapi-sim', { concurrency: 4 }, () => {
  for (const source of sources) {
    describe(source.id, { concurrency: 1 }, () => {
      let sim
      let expected

      before(async () => {
        sim = await startSimulator(source.args)
        running.add(sim)
        expected = await pythonCounts(sim.url)
      })

      after(async () => {
        running.delete(sim)
        await stopSimulator(sim)
      })

      it('Python xmlrpc.client can list every class', () => {
        // xapi lists the get_all_records of removed classes and answers MESSAGE_REMOVED
        const failed = Object.entries(expected).filter(([, n]) => typeof n !== 'number' && n !== REMOVED)
        assert.deepEqual(failed, [], 'get_all_records failures seen by xmlrpc.client')
        for (const cls of ['pool', 'host', 'VM', 'SR', 'VDI', 'network', 'PIF', 'VBD', 'VIF', 'task']) {
          assert.ok(cls in expected, `${cls}.get_all_records missing from system.listMethods`)
        }
        assert.equal(expected.pool, 1)
        if (source.hosts !== undefined) assert.equal(expected.host, source.hosts)
      })

      if (source.dump !== undefined) {
        it('the simulator serves every row of the dump', () => {
          const rows = dumpRowCounts(source.dump)
          assert.ok(Object.keys(rows).length > 0, 'no <table> found in the dump')
          const mismatches = []
          for (const [table, n] of Object.entries(rows)) {
            if (NO_GET_ALL_RECORDS.has(table) || NOT_PERSISTED.has(table) || expected[table] === REMOVED) continue
            if (!(table in expected)) {
              if (n > 0) mismatches.push(`${table}: ${n} rows in the dump, no ${table}.get_all_records`)
              continue
            }
            if (expected[table] !== n) mismatches.push(`${table}: dump ${n}, simulator ${expected[table]}`)
          }
          for (const [cls, n] of Object.entries(expected)) {
            if (!(cls in rows) && !NOT_PERSISTED.has(cls) && n !== 0 && n !== REMOVED) {
              mismatches.push(`${cls}: no table in the dump, simulator has ${n}`)
            }
          }
          assert.deepEqual(mismatches, [])
        })
      }

      it("connects with the 'auto' transport (JSON-RPC first)", async () => {
        const other = createClient({
          url: sim.url,
          auth: { user: USER, password: PASSWORD },
          allowUnauthorized: true,
          watchEvents: false,
        })
        try {
          await withTimeout(other.connect(), 15e3, 'connect')
          assert.equal((await other.call('pool.get_all')).length, 1)
          assert.equal(typeof (await other.call('host.get_all_records')), 'object')
        } finally {
          await withTimeout(other.disconnect(), 5e3, 'disconnect').catch(() => {})
        }
      })

      for (const transport of TRANSPORTS) {
        describe(transport, { concurrency: 1 }, () => {
          let xapi

          before(async () => {
            xapi = createClient({
              url: sim.url,
              auth: { user: USER, password: PASSWORD },
              transport,
              allowUnauthorized: true,
              callTimeout: 30e3,
              eventPollDelay: 200,
              debounce: 50,
            })
            await withTimeout(xapi.connect(), 15e3, 'connect')
          })

          after(async () => {
            if (xapi !== undefined) {
              await withTimeout(xapi.disconnect(), 5e3, 'disconnect').catch(() => {})
            }
          })

          it('fetches as many objects per type as get_all_records lists', async () => {
            await withTimeout(xapi.objectsFetched, 20e3, 'objectsFetched')
            const got = countsByType(xapi)
            // counted again: an earlier transport's tests cloned a VM
            const now = await pythonCounts(sim.url)
            const mismatches = []
            for (const [cls, n] of Object.entries(now)) {
              if (n === REMOVED) {
                if (got[cls] !== undefined) mismatches.push(`${cls}: removed class, xen-api has ${got[cls]}`)
                continue
              }
              if (typeof n !== 'number') continue
              if ((got[cls] ?? 0) !== n) mismatches.push(`${cls}: xmlrpc.client ${n}, xen-api ${got[cls] ?? 0}`)
            }
            for (const cls of Object.keys(got)) {
              if (!(cls in now)) mismatches.push(`${cls}: ${got[cls]} objects of a type not listed`)
            }
            assert.deepEqual(mismatches, [])
            assert.equal(xapi.pool.$type, 'pool')
            assert.ok(xapi.pool.$master !== undefined, 'pool.master resolves to a cached host')
          })

          if (source.dump !== undefined && transport === TRANSPORTS[0]) {
            // before any test of this source creates objects
            it('holds as many objects per type as the dump has rows', async () => {
              await withTimeout(xapi.objectsFetched, 20e3, 'objectsFetched')
              const got = countsByType(xapi)
              const mismatches = []
              for (const [table, n] of Object.entries(dumpRowCounts(source.dump))) {
                if (NO_GET_ALL_RECORDS.has(table) || NOT_PERSISTED.has(table) || expected[table] === REMOVED) continue
                if ((got[table] ?? 0) !== n) mismatches.push(`${table}: dump ${n}, xen-api ${got[table] ?? 0}`)
              }
              assert.deepEqual(mismatches, [])
            })
          }

          it('sees a rename arrive through event.from', async () => {
            await withTimeout(xapi.objectsFetched, 20e3, 'objectsFetched')
            const [vm] = ordinaryVms(xapi).length > 0 ? ordinaryVms(xapi) : vms(xapi)
            assert.ok(vm !== undefined, 'no VM in the pool')
            const name = `renamed by xen-api over ${transport}`
            assert.notEqual(vm.name_label, name)
            await xapi.call('VM.set_name_label', vm.$ref, name)
            const seen = await waitFor('the new name_label in the cache', () => {
              const o = xapi.getObjectByRef(vm.$ref, undefined)
              return o?.name_label === name && o
            })
            assert.equal(seen.uuid, vm.uuid)
            // and the server agrees
            assert.equal(await xapi.call('VM.get_name_label', vm.$ref), name)
          })

          it('gets async call results through task watching', async () => {
            await withTimeout(xapi.objectsFetched, 20e3, 'objectsFetched')
            // an implicit constructor: Async.<class>.create takes the record
            const name = `network made by xen-api over ${transport}`
            const ref = await withTimeout(
              xapi.callAsync('network.create', {
                name_label: name,
                name_description: 'client fidelity test',
                MTU: 1500,
                other_config: { 'lagoon-test': transport },
                tags: [],
              }),
              20e3,
              'callAsync network.create'
            )
            assert.equal(typeof ref, 'string')
            assert.match(ref, /^OpaqueRef:/)
            const network = await waitFor('the network in the cache', () => xapi.getObjectByRef(ref, undefined))
            assert.equal(network.name_label, name)
            assert.equal(Number(network.MTU), 1500)
            assert.deepEqual({ ...network.other_config }, { 'lagoon-test': transport })
            // callAsync destroys its task once settled; the del event must follow
            await waitFor('no task left in the cache', () =>
              Object.values(xapi.objects.all).every(o => o.$type !== 'task')
            )
            // a void result: task.result is <value></value>
            assert.equal(await withTimeout(xapi.callAsync('network.destroy', ref), 20e3, 'callAsync network.destroy'), '')
            await waitFor('the network gone from the cache', () => xapi.getObjectByRef(ref, undefined) === undefined)
          })

          it('gets a failed async call as a XapiError', async () => {
            await withTimeout(xapi.objectsFetched, 20e3, 'objectsFetched')
            await assert.rejects(
              withTimeout(xapi.callAsync('network.destroy', 'OpaqueRef:nope'), 20e3, 'callAsync network.destroy'),
              error => {
                assert.equal(error.code, 'HANDLE_INVALID')
                assert.deepEqual(error.params, ['network', 'OpaqueRef:nope'])
                return true
              }
            )
          })

          it('clones a VM with callAsync', async () => {
            await withTimeout(xapi.objectsFetched, 20e3, 'objectsFetched')
            // xapi clones halted VMs (and templates) only
            const [running] = ordinaryVms(xapi, 'Running')
            if (running !== undefined) {
              await assert.rejects(
                withTimeout(xapi.callAsync('VM.clone', running.$ref, 'x'), 20e3, 'callAsync VM.clone'),
                error => {
                  assert.equal(error.code, 'VM_BAD_POWER_STATE')
                  assert.equal(error.params[0], running.$ref)
                  assert.equal(error.params[2], 'running')
                  return true
                }
              )
            }
            const templates = vms(xapi)
              .filter(vm => vm.is_a_template && !vm.is_a_snapshot)
              .sort((a, b) => (a.$ref < b.$ref ? -1 : 1))
            const source = ordinaryVms(xapi, 'Halted')[0] ?? templates[0]
            assert.ok(source !== undefined, 'no halted VM or template to clone')
            const name = `clone over ${transport}`
            const ref = await withTimeout(xapi.callAsync('VM.clone', source.$ref, name), 20e3, 'callAsync VM.clone')
            assert.equal(typeof ref, 'string')
            assert.match(ref, /^OpaqueRef:/)
            assert.notEqual(ref, source.$ref)
            const clone = await waitFor('the clone in the cache', () => xapi.getObjectByRef(ref, undefined))
            assert.equal(clone.name_label, name)
            assert.equal(clone.power_state, 'Halted')
            assert.equal(clone.is_a_template, source.is_a_template)
            assert.equal(clone.VBDs.length, source.VBDs.length)
            // Give the space back, as an admin would: on thick (LVM) storage a clone takes the
            // disks' full size, and the next transport's clone must fit too.
            const vdis = []
            for (const vbd of clone.VBDs) {
              const record = await xapi.call('VBD.get_record', vbd)
              // disks only: a CD drive's VDI is an ISO of a library
              if (record.type === 'Disk' && record.VDI !== 'OpaqueRef:NULL') vdis.push(record.VDI)
            }
            await withTimeout(xapi.call('VM.destroy', ref), 20e3, 'VM.destroy')
            for (const vdi of vdis) {
              // a disk some other VM still uses stays
              if ((await xapi.call('VDI.get_VBDs', vdi)).length === 0) {
                await withTimeout(xapi.call('VDI.destroy', vdi), 20e3, 'VDI.destroy')
              }
            }
          })

          it('gets a power-state failure of an async call as a XapiError', async () => {
            await withTimeout(xapi.objectsFetched, 20e3, 'objectsFetched')
            const [vm] = ordinaryVms(xapi, 'Running')
            if (vm === undefined) {
              // a halted VM cannot be shut down either
              const [halted] = ordinaryVms(xapi, 'Halted')
              assert.ok(halted !== undefined, 'no ordinary VM')
              await assert.rejects(
                withTimeout(xapi.callAsync('VM.clean_shutdown', halted.$ref), 20e3, 'callAsync VM.clean_shutdown'),
                error => {
                  assert.equal(error.code, 'VM_BAD_POWER_STATE')
                  assert.equal(error.params[0], halted.$ref)
                  return true
                }
              )
              return
            }
            await assert.rejects(
              withTimeout(xapi.callAsync('VM.start', vm.$ref, false, false), 20e3, 'callAsync VM.start'),
              error => {
                assert.equal(error.code, 'VM_BAD_POWER_STATE')
                assert.equal(error.params[0], vm.$ref)
                assert.equal(error.params[2], 'running')
                return true
              }
            )
          })

          it('passes a barrier (pool.other_config entry seen through events)', async () => {
            await withTimeout(xapi.objectsFetched, 20e3, 'objectsFetched')
            await withTimeout(xapi.barrier(), 15e3, 'barrier')
          })

          if (source.dump === undefined) {
            it('resolves every reference of the generated pool', async () => {
              await withTimeout(xapi.objectsFetched, 20e3, 'objectsFetched')
              const dangling = []
              const check = (o, field, ref) => {
                if (typeof ref === 'string' && ref.startsWith('OpaqueRef:') && ref !== 'OpaqueRef:NULL') {
                  if (xapi.getObjectByRef(ref, undefined) === undefined) dangling.push(`${o.$type}.${field} ${ref}`)
                }
              }
              for (const o of Object.values(xapi.objects.all)) {
                for (const [field, value] of Object.entries(o)) {
                  if (Array.isArray(value)) value.forEach(ref => check(o, field, ref))
                  else if (value !== null && typeof value === 'object') Object.values(value).forEach(ref => check(o, field, ref))
                  else check(o, field, value)
                }
              }
              assert.deepEqual(dangling.slice(0, 10), [])
              // one-to-many relations are kept in step both ways
              for (const vm of vms(xapi)) {
                for (const vbd of vm.$VBDs) assert.equal(vbd?.VM, vm.$ref, `VBD of ${vm.name_label}`)
              }
            })

            it('follows HOST_IS_SLAVE from a supporter to the coordinator', async () => {
              await withTimeout(xapi.objectsFetched, 20e3, 'objectsFetched')
              const master = xapi.pool.$master
              const supporter = Object.values(xapi.objects.all).find(o => o.$type === 'host' && o.$ref !== master.$ref)
              assert.ok(supporter !== undefined, 'no supporter host')
              const { port } = new URL(sim.url)
              const other = createClient({
                url: `http://${supporter.address}:${port}`,
                auth: { user: USER, password: PASSWORD },
                transport,
                allowUnauthorized: true,
                watchEvents: false,
              })
              try {
                await withTimeout(other.connect(), 15e3, 'connect through a supporter')
                assert.equal(other.pool.$ref, xapi.pool.$ref)
                assert.equal(await other.call('host.get_address', master.$ref), master.address)
              } finally {
                await withTimeout(other.disconnect(), 5e3, 'disconnect').catch(() => {})
              }
            })
          }

          it('logs in again when its session becomes invalid', async () => {
            // a client of its own without an event loop: xen-api's event loop
            // races with the new login (it reads the session id while undefined)
            const other = createClient({
              url: sim.url,
              auth: { user: USER, password: PASSWORD },
              transport,
              allowUnauthorized: true,
              watchEvents: false,
            })
            try {
              await withTimeout(other.connect(), 15e3, 'connect')
              const old = other.sessionId
              // log the session out behind the client's back
              const res = await fetch(`${sim.url}/jsonrpc`, {
                method: 'POST',
                headers: { 'Content-Type': 'application/json' },
                body: JSON.stringify({ jsonrpc: '2.0', method: 'session.logout', params: [old], id: 1 }),
              })
              const reply = await res.json()
              assert.equal(reply.error, undefined, JSON.stringify(reply))
              // the next call fails with SESSION_INVALID; xen-api logs in and retries
              assert.deepEqual(await other.call('pool.get_all'), [xapi.pool.$ref])
              assert.notEqual(other.sessionId, old)
            } finally {
              await withTimeout(other.disconnect(), 5e3, 'disconnect').catch(() => {})
            }
          })

          it('reports API errors with code and params', async () => {
            await assert.rejects(xapi.call('VM.get_record', 'OpaqueRef:nope'), error => {
              assert.equal(error.code, 'HANDLE_INVALID')
              assert.deepEqual(error.params, ['VM', 'OpaqueRef:nope'])
              return true
            })
          })
        })
      }
    })
  }
})

it('xen-api logged no warnings (type discovery, initial fetch, event loop)', () => {
  assert.deepEqual(warnings, [])
})

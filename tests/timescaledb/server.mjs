// Serves PGlite with TimescaleDB on 127.0.0.1:<port> for the TimescaleDB tests.
// One database (template1), one connection at a time, no background workers: enough to check
// that the TimescaleDB DDL and queries are valid, not for load or concurrency tests.
import { PGlite } from '@electric-sql/pglite'
import { timescaledb } from '@electric-sql/pglite/timescaledb'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'

const port = Number(process.argv[2])
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node server.mjs <port>')
  process.exit(2)
}
const db = await PGlite.create({ extensions: { timescaledb } })
const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1' })
await server.start()
console.log(`ready on 127.0.0.1:${port}`)

const stop = async () => {
  await server.stop()
  await db.close()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)

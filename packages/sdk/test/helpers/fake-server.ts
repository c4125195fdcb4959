import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { HistoryResponse, IngestBatch, InitRequest, RunDto, WireNumber } from '@stemma/core'

/**
 * Just enough of the REST v1 routes for SDK tests: records every batch, applies each
 * (writerId, seq) once, answers SEQUENCE_GAP like the real server, and lets a test script
 * failures (`script`) or drop a response after applying the batch (`dropResponses`).
 */
export interface FakeRun {
  dto: RunDto
  init: InitRequest
  committed: Map<string, number>
  batches: IngestBatch[]
  /** step → row, merged from every applied batch */
  rows: Map<number, Record<string, unknown>>
  /** name → bytes of uploaded run files */
  files: Map<string, Buffer>
}

export interface Scripted {
  status: number
  headers?: Record<string, string>
  body?: unknown
}

export interface RecordedRequest {
  method: string
  path: string
  body: unknown
  at: number
}

export const API_KEY = 'test-key'

export class FakeServer {
  readonly runs = new Map<string, FakeRun>()
  readonly requests: RecordedRequest[] = []
  /** Canned answers for the next batch posts, consumed in order. */
  script: Scripted[] = []
  /** Apply the next N batches but destroy the connection instead of answering. */
  dropResponses = 0
  stopRequested = false
  private server: Server | undefined
  private nameCount = 0
  url = ''

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res))
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`
    return this.url
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve())
  }

  run(id: string): FakeRun | undefined {
    for (const run of this.runs.values()) if (run.dto.id === id) return run
    return undefined
  }

  batchPosts(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/batches'))
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const raw = Buffer.concat(chunks)
    const text = raw.toString('utf8')
    const url = new URL(req.url ?? '/', 'http://x')
    const isJson = (req.headers['content-type'] ?? '').startsWith('application/json')
    const body = text === '' || !isJson ? undefined : JSON.parse(text)
    this.requests.push({ method: req.method ?? '', path: url.pathname, body, at: Date.now() })
    const send = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers })
      res.end(JSON.stringify(value))
    }
    const error = (status: number, code: string, message: string, details?: unknown) =>
      send(status, { error: { code, message, details } })
    if (req.headers.authorization !== `Bearer ${API_KEY}`) return error(401, 'UNAUTHENTICATED', 'bad key')

    const parts = url.pathname.split('/').slice(3).map(decodeURIComponent) // after /api/v1
    if (req.method === 'GET' && parts[0] === 'viewer')
      return send(200, { username: 'tester', entity: 'tester', isAdmin: true })
    if (parts[0] !== 'runs') return error(404, 'NOT_FOUND', 'no route')
    if (req.method === 'POST' && parts.length === 1) return this.init(body as InitRequest, send, error)
    const [, entity, project, id, sub, sub2] = parts
    if (id === undefined) {
      const all = [...this.runs.values()].filter((r) => r.dto.entity === entity && r.dto.project === project)
      const limit = Number(url.searchParams.get('limit') ?? 50)
      const start = Number(url.searchParams.get('cursor') ?? 0)
      const page = all.slice(start, start + limit)
      return send(200, {
        runs: page.map((r) => r.dto),
        total: all.length,
        nextCursor: start + limit < all.length ? String(start + limit) : null,
      })
    }
    const run = this.runs.get(`${entity}/${project}/${id}`)
    if (!run) return error(404, 'RUN_NOT_FOUND', `run ${id} not found`)
    if (req.method === 'POST' && sub === 'batches')
      return this.ingest(run, body as IngestBatch, req, res, send, error)
    if (req.method === 'POST' && sub === 'heartbeat') {
      return send(200, { control: { stopRequested: this.stopRequested }, state: run.dto.state })
    }
    if (req.method === 'GET' && sub === 'history' && sub2 === undefined)
      return send(200, this.history(run, url))
    if (req.method === 'GET' && sub === undefined) return send(200, { run: run.dto })
    if (sub === 'files') return this.file(run, req.method ?? '', sub2, raw, res, send, error)
    if (req.method === 'PATCH' && sub === undefined) {
      Object.assign(run.dto, body)
      return send(200, { run: run.dto })
    }
    if (req.method === 'DELETE' && sub === undefined) {
      this.runs.delete(`${entity}/${project}/${id}`)
      return send(200, { deleted: true })
    }
    return error(404, 'NOT_FOUND', 'no route')
  }

  private file(
    run: FakeRun,
    method: string,
    name: string | undefined,
    raw: Buffer,
    res: ServerResponse,
    send: (s: number, v: unknown) => void,
    error: (s: number, c: string, m: string) => void,
  ) {
    const describe = (n: string, bytes: Buffer) => ({
      name: n,
      size: bytes.byteLength,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      updatedAt: Date.now(),
    })
    if (method === 'GET' && name === undefined) {
      const files = [...run.files].sort(([a], [b]) => (a < b ? -1 : 1)).map(([n, b]) => describe(n, b))
      return send(200, { files })
    }
    if (name === undefined) return error(404, 'NOT_FOUND', 'no route')
    if (method === 'PUT') {
      run.files.set(name, raw)
      return send(200, describe(name, raw))
    }
    const bytes = run.files.get(name)
    if (bytes === undefined) return error(404, 'NOT_FOUND', `no file ${name}`)
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    res.end(bytes)
  }

  private init(
    req: InitRequest,
    send: (s: number, v: unknown) => void,
    error: (s: number, c: string, m: string) => void,
  ) {
    const entity = req.entity ?? 'tester'
    const id = req.id ?? Math.random().toString(36).slice(2, 10)
    const key = `${entity}/${req.project}/${id}`
    const existing = this.runs.get(key)
    if (existing) {
      if (req.resume !== 'allow' && req.resume !== 'must') return error(409, 'RUN_EXISTS', `run ${id} exists`)
      existing.dto.state = 'running'
      const startingStep = existing.dto.lastStep === null ? 0 : existing.dto.lastStep + 1
      return send(200, { run: existing.dto, startingStep, resumed: true })
    }
    if (req.resume === 'must') return error(404, 'RUN_NOT_FOUND', `run ${id} not found`)
    const now = new Date().toISOString()
    const dto: RunDto = {
      entity,
      project: req.project,
      id,
      name: req.name ?? `fake-run-${++this.nameCount}`,
      notes: req.notes ?? '',
      tags: req.tags ?? [],
      group: req.group ?? null,
      jobType: req.jobType ?? null,
      state: 'running',
      exitCode: null,
      createdAt: now,
      heartbeatAt: now,
      finishedAt: null,
      heartbeatTimeoutS: req.heartbeatTimeoutS ?? 60,
      config: req.config ?? {},
      summary: {},
      metadata: req.metadata ?? {},
      metrics: [],
      lastStep: null,
      rejectedCount: 0,
      forkedFrom: null,
      archived: false,
      stopRequested: false,
      url: `/${entity}/${req.project}/runs/${id}`,
    }
    this.runs.set(key, {
      dto,
      init: req,
      committed: new Map(),
      batches: [],
      rows: new Map(),
      files: new Map(),
    })
    return send(201, { run: dto, startingStep: 0, resumed: false })
  }

  private ingest(
    run: FakeRun,
    batch: IngestBatch,
    _req: IncomingMessage,
    res: ServerResponse,
    send: (s: number, v: unknown, h?: Record<string, string>) => void,
    error: (s: number, c: string, m: string, d?: unknown) => void,
  ) {
    const scripted = this.script.shift()
    if (scripted)
      return send(
        scripted.status,
        scripted.body ?? { error: { code: 'UNAVAILABLE', message: 'scripted' } },
        scripted.headers,
      )
    const committed = run.committed.get(batch.writerId) ?? 0
    const control = { stopRequested: this.stopRequested }
    if (batch.seq <= committed) return send(200, { committedSeq: committed, duplicate: true, control })
    if (batch.seq > committed + 1) {
      return error(409, 'SEQUENCE_GAP', `expected ${committed + 1}`, { expectedSeq: committed + 1 })
    }
    run.committed.set(batch.writerId, batch.seq)
    run.batches.push(batch)
    const h = batch.history
    if (h) {
      for (let i = 0; i < h.steps.length; i++) {
        const step = h.steps[i]!
        const row = run.rows.get(step) ?? { _step: step, _runtime: h.runtime[i], _timestamp: h.timestamp[i] }
        for (const [key, column] of Object.entries(h.columns)) if (column[i] !== null) row[key] = column[i]
        run.rows.set(step, row)
        run.dto.lastStep = Math.max(run.dto.lastStep ?? -1, step)
      }
    }
    for (const v of batch.values ?? []) {
      const row = run.rows.get(v.step)
      if (row) row[v.key] = v.value
    }
    if (batch.config) Object.assign(run.dto.config, batch.config)
    if (batch.summary) Object.assign(run.dto.summary, batch.summary)
    if (batch.rejected) run.dto.rejectedCount += batch.rejected.length
    if (batch.exit) {
      run.dto.state = batch.exit.state
      run.dto.exitCode = batch.exit.exitCode
    }
    if (this.dropResponses > 0) {
      this.dropResponses--
      res.socket?.destroy()
      return
    }
    return send(200, { committedSeq: batch.seq, duplicate: false, control })
  }

  private history(run: FakeRun, url: URL): HistoryResponse {
    const keys = url.searchParams.get('keys')?.split(',')
    const minStep = Number(url.searchParams.get('minStep') ?? -Infinity)
    const maxStep = Number(url.searchParams.get('maxStep') ?? Infinity)
    const limit = Number(url.searchParams.get('limit') ?? Infinity)
    const rows = [...run.rows.values()]
      .filter((r) => (r._step as number) >= minStep && (r._step as number) <= maxStep)
      .sort((a, b) => (a._step as number) - (b._step as number))
      .slice(0, limit)
    const out: HistoryResponse = { steps: [], runtime: [], timestamp: [], columns: {}, values: [] }
    const allKeys = new Set<string>()
    for (const r of rows) for (const k of Object.keys(r)) if (!k.startsWith('_')) allKeys.add(k)
    const wanted = keys ?? [...allKeys]
    rows.forEach((r, i) => {
      out.steps.push(r._step as number)
      out.runtime.push(r._runtime as number)
      out.timestamp.push(r._timestamp as number)
      for (const k of wanted) {
        const v = r[k]
        if (typeof v === 'number' || typeof v === 'string' || v === undefined) {
          if (typeof v === 'string' && !['NaN', 'Infinity', '-Infinity'].includes(v)) {
            out.values.push({ step: r._step as number, key: k, value: v })
            continue
          }
          ;(out.columns[k] ??= new Array(rows.length).fill(null))[i] = (v ?? null) as WireNumber | null
        } else out.values.push({ step: r._step as number, key: k, value: v })
      }
    })
    return out
  }
}

import { downloadRunFile } from './files/restore.js'
import {
  API_PREFIX,
  decodeNumber,
  parseRunPath,
  StemmaError,
  type BucketsResponse,
  type ForkedFrom,
  type HistoryResponse,
  type LineageResponse,
  type RunDto,
  type RunListResponse,
  type RunPatch,
  type RunState,
  type RunTreeResponse,
  type ViewerResponse,
  type RunFile,
  type RunFileList,
} from '@stemma/core'
import { absoluteUrl, runApiPath } from './init.js'
import { defaultWarn, resolveConnection } from './settings.js'
import { HttpClient, unwrap, type RequestOptions } from './transport.js'

export interface ApiOptions {
  baseUrl?: string
  apiKey?: string
}

export type HistoryRow = { _step: number; _runtime: number; _timestamp: number } & Record<string, unknown>

const DEFAULT_PAGE = 1000

function parseProjectPath(path: string, method: string): [string, string] {
  const parts = path.split('/')
  if (parts.length !== 2 || parts.some((p) => p === '')) {
    throw new StemmaError(
      'VALIDATION_FAILED',
      `${method} expects "entity/project"; got ${JSON.stringify(path)}.`,
    )
  }
  return parts as [string, string]
}

/** Rows from a columnar response: a key appears in a row only where it has a value. */
export function historyRows(response: HistoryResponse): HistoryRow[] {
  const rows: HistoryRow[] = []
  const byStep = new Map<number, HistoryRow>()
  for (let i = 0; i < response.steps.length; i++) {
    const row: HistoryRow = {
      _step: response.steps[i]!,
      _runtime: response.runtime[i]!,
      _timestamp: response.timestamp[i]!,
    }
    for (const [key, column] of Object.entries(response.columns)) {
      const value = column[i]
      if (value !== null && value !== undefined) row[key] = decodeNumber(value)
    }
    rows.push(row)
    byStep.set(row._step, row)
  }
  for (const { step, key, value } of response.values ?? []) {
    const row = byStep.get(step)
    if (row !== undefined) row[key] = value
  }
  return rows
}

/** `samples` evenly spaced rows, always including the first and the last; never random. */
export function sampleEvenly<T>(rows: readonly T[], samples: number): T[] {
  if (!(samples > 0) || rows.length <= samples) return [...rows]
  if (samples === 1) return [rows[0]!]
  const out: T[] = []
  for (let i = 0; i < samples; i++) out.push(rows[Math.round((i * (rows.length - 1)) / (samples - 1))]!)
  return out
}

/** A run as the read API returns it; methods read its history and change its metadata. */
export class ApiRun {
  readonly entity: string
  readonly project: string
  readonly id: string
  name: string
  readonly state: RunState
  readonly config: Record<string, unknown>
  readonly summary: Record<string, unknown>
  readonly metadata: Record<string, unknown>
  tags: string[]
  notes: string
  readonly group: string | null
  readonly jobType: string | null
  readonly createdAt: string
  readonly forkedFrom: ForkedFrom | null
  readonly lastStep: number | null
  readonly archived: boolean
  readonly url: string
  readonly dto: RunDto

  constructor(
    private readonly client: HttpClient,
    dto: RunDto,
    /** For an archived (pre-rewind) state: its index in the live run's `archives()`; reads go to it. */
    readonly archiveIndex: number | null = null,
  ) {
    this.dto = dto
    this.entity = dto.entity
    this.project = dto.project
    this.id = dto.id
    this.name = dto.name
    this.state = dto.state
    this.config = dto.config
    this.summary = dto.summary
    this.metadata = dto.metadata
    this.tags = dto.tags
    this.notes = dto.notes
    this.group = dto.group
    this.jobType = dto.jobType
    this.createdAt = dto.createdAt
    this.forkedFrom = dto.forkedFrom
    this.lastStep = dto.lastStep
    this.archived = dto.archived
    this.url = absoluteUrl(dto.url, client.baseUrl) ?? ''
  }

  get path(): string {
    return `${this.entity}/${this.project}/${this.id}`
  }

  private get base(): string {
    return runApiPath(this.entity, this.project, this.id)
  }

  private async get<T>(path: string, query: RequestOptions['query'] = {}): Promise<T> {
    const q = this.archiveIndex === null ? query : { ...query, archive: this.archiveIndex }
    return unwrap(await this.client.request<T>({ method: 'GET', path: this.base + path, query: q }))
  }

  /** One page of history, at most `limit` rows from `minStep` on. */
  async historyPage(
    options: { keys?: string[]; minStep?: number; maxStep?: number; limit?: number } = {},
  ): Promise<HistoryRow[]> {
    const response = await this.get<HistoryResponse>('/history', {
      keys: options.keys?.join(','),
      minStep: options.minStep,
      maxStep: options.maxStep,
      limit: options.limit,
    })
    return historyRows(response)
  }

  /** All rows in the range (paged), or `samples` evenly spaced ones including the first and last. */
  async history(
    options: { keys?: string[]; samples?: number; minStep?: number; maxStep?: number } = {},
  ): Promise<HistoryRow[]> {
    const rows: HistoryRow[] = []
    for await (const row of this.scanHistory({ ...options, pageSize: 10_000 })) rows.push(row)
    return options.samples === undefined ? rows : sampleEvenly(rows, options.samples)
  }

  /** Every row, in step order, fetched a page at a time. */
  async *scanHistory(
    options: { keys?: string[]; pageSize?: number; minStep?: number; maxStep?: number } = {},
  ): AsyncGenerator<HistoryRow> {
    const pageSize = Math.max(1, options.pageSize ?? DEFAULT_PAGE)
    let minStep = options.minStep
    for (;;) {
      const page = await this.historyPage({
        keys: options.keys,
        minStep,
        maxStep: options.maxStep,
        limit: pageSize,
      })
      for (const row of page) yield row
      if (page.length === 0) return
      const lastStep = page[page.length - 1]!._step
      // A short page ends the scan unless the run is known to go further (a server may skip rows
      // that hold none of the requested keys).
      if (page.length < pageSize && (this.lastStep === null || lastStep >= this.lastStep)) return
      if (options.maxStep !== undefined && lastStep >= options.maxStep) return
      minStep = lastStep + 1
    }
  }

  /** One metric as M4 buckets (first/min/max/last per bucket), numbers decoded. */
  async buckets(key: string, options: { buckets: number; minStep?: number; maxStep?: number }) {
    const response = await this.get<BucketsResponse>('/history/buckets', {
      key,
      buckets: options.buckets,
      minStep: options.minStep,
      maxStep: options.maxStep,
    })
    const decode = (xs: readonly unknown[]) => xs.map((x) => decodeNumber(x) ?? NaN)
    const d = response.data
    return {
      ...response,
      data: { ...d, first: decode(d.first), min: decode(d.min), max: decode(d.max), last: decode(d.last) },
    }
  }

  /** Parent and fork step, forks made from this run, and its rewinds. */
  lineage(): Promise<LineageResponse> {
    return this.get<LineageResponse>('/lineage')
  }

  /** The archived (pre-rewind) states of this run, oldest first; read-only. */
  async archives(): Promise<ApiRun[]> {
    const body = await this.get<{ runs: RunDto[] } | RunDto[]>('/archives')
    const dtos = Array.isArray(body) ? body : body.runs
    return dtos.map((dto, index) => new ApiRun(this.client, dto, index))
  }

  async update(patch: RunPatch): Promise<ApiRun> {
    const body = unwrap(
      await this.client.request<{ run: RunDto } | RunDto>({
        method: 'PATCH',
        path: this.base,
        body: JSON.stringify(patch),
      }),
    )
    const dto = 'run' in body && typeof body.run === 'object' ? body.run : (body as RunDto)
    this.name = dto.name
    this.tags = dto.tags
    this.notes = dto.notes
    return new ApiRun(this.client, dto)
  }

  /** The run's files, by name (W&B's `run.files()`). */
  async files(): Promise<RunFile[]> {
    return (await this.get<RunFileList>('/files')).files
  }

  /** Downloads one of them to `<root>/<name>` (default root: the working directory); see `stemma.restore`. */
  async downloadFile(
    name: string,
    options: { root?: string; replace?: boolean } = {},
  ): Promise<string | null> {
    return downloadRunFile(
      this.client,
      this.path,
      name,
      options.root ?? process.cwd(),
      options.replace === true,
    )
  }

  async delete(): Promise<void> {
    unwrap(await this.client.request({ method: 'DELETE', path: this.base }))
  }
}

/** `api.runs(...)`: async-iterable, fetching pages as it goes. */
export class RunList implements AsyncIterable<ApiRun> {
  constructor(
    private readonly client: HttpClient,
    private readonly path: string,
    private readonly query: { filter?: string; order: string; limit: number },
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<ApiRun> {
    let cursor: string | undefined
    for (;;) {
      const page = unwrap(
        await this.client.request<RunListResponse>({
          method: 'GET',
          path: this.path,
          query: { ...this.query, cursor },
        }),
      )
      for (const dto of page.runs) yield new ApiRun(this.client, dto)
      if (page.nextCursor === null || page.nextCursor === undefined || page.runs.length === 0) return
      cursor = page.nextCursor
    }
  }

  async toArray(): Promise<ApiRun[]> {
    const out: ApiRun[] = []
    for await (const run of this) out.push(run)
    return out
  }
}

function unwrapRun(body: { run: RunDto } | RunDto): RunDto {
  return 'run' in body && typeof body.run === 'object' && body.run !== null ? body.run : (body as RunDto)
}

/** The read client, as `wandb.Api()`: same settings sources as `init`. */
export class Api {
  readonly client: HttpClient

  constructor(options: ApiOptions = {}) {
    this.client = new HttpClient(resolveConnection(options, process.env, defaultWarn))
  }

  get baseUrl(): string {
    return this.client.baseUrl
  }

  async run(path: string): Promise<ApiRun> {
    const { entity, project, runId } = parseRunPath(path)
    const body = unwrap(
      await this.client.request<{ run: RunDto } | RunDto>({
        method: 'GET',
        path: runApiPath(entity, project, runId),
      }),
    )
    return new ApiRun(this.client, unwrapRun(body))
  }

  runs(
    path: string,
    options: { filters?: Record<string, unknown>; order?: string; perPage?: number } = {},
  ): RunList {
    const [entity, project] = parseProjectPath(path, 'api.runs')
    return new RunList(
      this.client,
      `${API_PREFIX}/runs/${encodeURIComponent(entity)}/${encodeURIComponent(project)}`,
      {
        ...(options.filters !== undefined ? { filter: JSON.stringify(options.filters) } : {}),
        order: options.order ?? '-createdAt',
        limit: options.perPage ?? 50,
      },
    )
  }

  /** The project's run tree: forks under the run they branched from, rewinds on the run they rewound. */
  async runTree(path: string): Promise<RunTreeResponse> {
    const [entity, project] = parseProjectPath(path, 'api.runTree')
    return unwrap(
      await this.client.request<RunTreeResponse>({
        method: 'GET',
        path: `${API_PREFIX}/projects/${encodeURIComponent(entity)}/${encodeURIComponent(project)}/tree`,
      }),
    )
  }

  async viewer(): Promise<ViewerResponse> {
    return unwrap(await this.client.request<ViewerResponse>({ method: 'GET', path: `${API_PREFIX}/viewer` }))
  }
}

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import {
  assertFileName,
  encodeFileName,
  FILE_NAME_PATTERN,
  isPlainObject,
  MAX_FILE_NAME_LENGTH,
  StemmaError,
} from '@stemma/core'
import type { ApiKeyOwner, RunRef } from '@stemma/store'
import type { RouteRegistry } from '../../routes/registry.js'
import type { ServiceContext } from '../../services/context.js'
import { storeRunFile } from '../../services/files.js'
import { ingestPositioned } from '../../services/positioned.js'
import { runNotFound } from '../../services/targets.js'
import { parseExtendedJson } from './extended-json.js'

/** Upload URLs are asked for just before the upload (batched for 5 s); a day covers any retry. */
const UPLOAD_URL_TTL_S = 24 * 60 * 60
const METADATA_FILE = 'wandb-metadata.json'
/** A grant is a run path, a user and an expiry: a few hundred characters. */
const MAX_TOKEN_LENGTH = 2048
/** The client's metadata file is a few KiB; more than this is not read for the Overview. */
const MAX_METADATA_BYTES = 1024 * 1024

/** What an upload URL grants: one name of one run, for the user it was issued to, until `exp`. */
interface UploadGrant {
  ref: RunRef
  name: string
  viewer: ApiKeyOwner
  /** Unix seconds. */
  exp: number
}

/** `verify` names its file `./test with_special-characters.txt`; the run file is the name without `./`. */
export function normalizeFileName(name: string): string {
  return name.replace(/^(?:\.\/)+/, '')
}

/**
 * Signs and checks the tokens in upload URLs. The wandb-core file uploader sends no credentials,
 * so the URL carries them: a grant, and an HMAC of it under a secret every replica shares.
 */
export class UploadUrls {
  private secret: Promise<string> | undefined

  constructor(private readonly ctx: ServiceContext) {}

  async url(viewer: ApiKeyOwner, ref: RunRef, name: string): Promise<string> {
    const grant: Omit<UploadGrant, 'name'> = {
      ref,
      viewer,
      exp: Math.floor(this.ctx.now() / 1000) + UPLOAD_URL_TTL_S,
    }
    const payload = Buffer.from(JSON.stringify(grant)).toString('base64url')
    const signature = await this.sign(payload, name)
    // The name is its own path segment (as in the REST files routes), covered by the signature.
    const base = this.ctx.publicUrl().replace(/\/+$/, '')
    return `${base}/wandb/uploads/${payload}.${signature}/${encodeFileName(name)}`
  }

  async verify(token: string, name: string): Promise<UploadGrant> {
    const [payload = '', signature = ''] = token.split('.')
    const expected = Buffer.from(await this.sign(payload, name), 'base64url')
    const given = Buffer.from(signature, 'base64url')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new StemmaError('FORBIDDEN', 'This upload URL is not one this server signed.')
    }
    const grant = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Omit<UploadGrant, 'name'>
    if (grant.exp * 1000 <= this.ctx.now()) {
      throw new StemmaError('FORBIDDEN', 'This upload URL has expired; ask for a new one (CreateRunFiles).')
    }
    return { ...grant, name }
  }

  /** The grant and the name, separated by a byte neither contains. */
  private async sign(payload: string, name: string): Promise<string> {
    this.secret ??= this.ctx.store.auth.serverSecret('wandb-upload-signing', randomBytes(32).toString('hex'))
    return createHmac('sha256', await this.secret)
      .update(`${payload}\n${name}`)
      .digest('base64url')
  }
}

/**
 * `PUT /wandb/uploads/{token}/{name}`: where CreateRunFiles sends the client's run files. The token is
 * the credential (no API key); the file lands in the run's files like any other upload.
 */
export function uploadRoute(
  app: FastifyInstance,
  ctx: ServiceContext,
  urls: UploadUrls,
  routes: RouteRegistry,
): void {
  routes.add<{ Params: { token: string; name: string } }>(
    app,
    {
      method: 'PUT',
      url: '/wandb/uploads/:token/:name',
      tag: 'wandb',
      summary: 'Uploads a run file to a signed URL from CreateRunFiles (the URL is the credential)',
      public: true,
      params: {
        type: 'object',
        required: ['token', 'name'],
        properties: {
          token: {
            type: 'string',
            minLength: 3,
            maxLength: MAX_TOKEN_LENGTH,
            pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
          },
          name: {
            type: 'string',
            minLength: 1,
            maxLength: MAX_FILE_NAME_LENGTH,
            pattern: FILE_NAME_PATTERN,
            description: 'The run file’s name, percent-encoded as one segment.',
          },
        },
      },
      rawBody: { contentType: 'application/octet-stream', description: 'The file’s bytes.' },
      responses: { 200: { description: 'Stored', schema: { type: 'object' } } },
    },
    async (request) => {
      assertFileName(request.params.name)
      const grant = await urls.verify(request.params.token, request.params.name)
      if ((await ctx.store.runs.get(grant.ref)) === null) throw runNotFound(grant.ref)
      const body = (request.body as Readable | undefined) ?? Buffer.alloc(0)
      const file = await storeRunFile(ctx, grant.ref, grant.name, body)
      if (grant.name === METADATA_FILE && file.size <= MAX_METADATA_BYTES)
        await readMetadata(ctx, grant, file.name)
      return {}
    },
  )
}

/** The client's `wandb-metadata.json`, in the names stemma's Overview shows. */
async function readMetadata(ctx: ServiceContext, grant: UploadGrant, name: string): Promise<void> {
  const stored = await ctx.store.files.get(grant.ref, name)
  if (stored === null || ctx.blobs === undefined) return
  const chunks: Buffer[] = []
  for await (const chunk of await ctx.blobs.get(stored.blobKey)) chunks.push(chunk as Buffer)
  let parsed: unknown
  try {
    parsed = parseExtendedJson(Buffer.concat(chunks).toString('utf8'))
  } catch {
    return // Kept as a file; it just says nothing to the Overview.
  }
  if (!isPlainObject(parsed)) return
  const metadata = overviewMetadata(parsed)
  if (Object.keys(metadata).length > 0) {
    await ingestPositioned(ctx, grant.viewer, { ref: grant.ref, archive: null }, { metadata })
  }
}

export function overviewMetadata(m: Record<string, unknown>): Record<string, unknown> {
  const pick = (...keys: string[]) =>
    keys.map((k) => m[k]).find((v) => v !== undefined && v !== null && v !== '')
  const out: Record<string, unknown> = {}
  const set = (key: string, value: unknown) => {
    if (value !== undefined) out[key] = value
  }
  set('host', pick('host'))
  set('os', pick('os'))
  const python = pick('python')
  if (typeof python === 'string') out.runtime = /python/i.test(python) ? python : `Python ${python}`
  set('executable', pick('executable'))
  set('program', pick('program', 'codePath'))
  set('args', Array.isArray(m.args) ? m.args : undefined)
  set('cwd', pick('root'))
  set('startedAt', pick('startedAt'))
  const cpus = Number(pick('cpuCountLogical', 'cpu_count_logical', 'cpuCount', 'cpu_count'))
  if (Number.isFinite(cpus) && cpus > 0) out.cpuCount = cpus
  const memory = m.memory
  if (isPlainObject(memory) && Number.isFinite(Number(memory.total))) out.memoryBytes = Number(memory.total)
  const gpus = pick('gpuNvidia', 'gpu_nvidia')
  if (Array.isArray(gpus))
    out.gpus = gpus.map((g) => (isPlainObject(g) ? g.name : g)).filter((n) => typeof n === 'string')
  else if (typeof pick('gpu') === 'string') out.gpus = [pick('gpu')]
  const git = m.git
  if (isPlainObject(git)) {
    const info: Record<string, unknown> = {}
    if (typeof git.remote === 'string') info.remote = git.remote
    if (typeof git.commit === 'string') info.commit = git.commit
    if (Object.keys(info).length > 0) out.git = info
  }
  return out
}

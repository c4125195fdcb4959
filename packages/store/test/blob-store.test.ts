import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import {
  CreateBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3'
import { isStemmaError, type ErrorCode } from '@stemma/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  attachmentDisposition,
  FsBlobStore,
  isBlobKey,
  openBlobStore,
  S3BlobStore,
  verifyBlobSignature,
  type BlobStore,
} from '../src/blob/index.js'
import { startBlobDownloadServer } from './helpers/blob-download-server.js'
import { freePort as freeLoopbackPort } from '../../../scripts/postgres-cluster.mjs'
import { startMoto, type MotoServer } from './helpers/moto.js'

const SIGNING_SECRET = 'blob-url-signing-secret'
// Fake, but distinctive enough to search error messages for.
const ACCESS_KEY_ID = 'STEMMATESTACCESSKEYID'
const SECRET_ACCESS_KEY = 'stemma-test-secret-access-key-never-printed'
const MiB = 1024 * 1024

/** The right shape, for corpus entries that wrap a plausible key. */
const KEY = `ab/${'c'.repeat(30)}`
const TRAVERSAL_CORPUS: unknown[] = [
  '',
  '.',
  '..',
  '../x',
  '..\\x',
  '../../etc/passwd',
  'ab/../../x',
  `${KEY}/..`,
  `../${KEY}`,
  `./${KEY}`,
  '%2e%2e',
  '%2e%2e/x',
  '%2e%2e%2fx',
  '%252e%252e',
  '%252e%252e%252fx',
  '．．/x',
  ';',
  `${KEY};`,
  `;${KEY}`,
  'a\0b',
  `${KEY}\0`,
  `${KEY}\n`,
  '/etc/passwd',
  `/${KEY}`,
  `${KEY}/`,
  'C:\\Windows\\win.ini',
  '\\\\host\\share',
  `ab\\${'c'.repeat(30)}`,
  `ab//${'c'.repeat(30)}`,
  KEY.toUpperCase(),
  `ab/${'c'.repeat(29)}`,
  `ab/${'c'.repeat(31)}`,
  `ab/${'g'.repeat(30)}`,
  undefined,
  null,
  42,
  ['ab', 'c'.repeat(30)],
]

interface OpenedStore {
  store: BlobStore
  cleanup(): Promise<void>
}

interface BlobStoreHarness {
  name: string
  /** Whether stat() reports the hash: S3 keeps it in object metadata, a plain file has nowhere to. */
  storesSha256: boolean
  open(): Promise<OpenedStore>
}

let moto: Promise<MotoServer> | undefined
/** One moto server for the whole file, started by the first suite that needs it. */
const sharedMoto = () => (moto ??= startMoto())
const savedEnv = { ...process.env }

beforeAll(() => {
  // The S3 stores resolve credentials through the SDK's usual chain, which reads these.
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
    AWS_REGION: 'us-east-1',
  })
  delete process.env.AWS_PROFILE
  delete process.env.AWS_SESSION_TOKEN
})

afterAll(async () => {
  process.env = savedEnv
  await (await moto)?.stop()
})

const HARNESSES: BlobStoreHarness[] = [
  {
    name: 'filesystem',
    storesSha256: false,
    async open() {
      const dataDir = await mkdtemp(join(tmpdir(), 'stemma-blobs-'))
      const downloads = await startBlobDownloadServer(SIGNING_SECRET, () => store)
      const store = openBlobStore(undefined, {
        dataDir,
        signingSecret: SIGNING_SECRET,
        urlBase: downloads.urlBase,
      })
      return {
        store,
        cleanup: async () => {
          await downloads.close()
          await rm(dataDir, { recursive: true, force: true })
        },
      }
    },
  },
  {
    name: 's3 (moto)',
    storesSha256: true,
    async open() {
      const { endpoint } = await sharedMoto()
      const bucket = await createBucket(endpoint)
      const store = openBlobStore(`s3://${bucket}/runs/files`, {
        dataDir: '/nonexistent',
        signingSecret: SIGNING_SECRET,
        urlBase: 'http://unused.invalid',
        s3Endpoint: endpoint,
      })
      return { store, cleanup: async () => {} }
    },
  },
]

for (const harness of HARNESSES) {
  describe(`blob store [${harness.name}]`, () => {
    let opened: OpenedStore
    let store: BlobStore
    beforeAll(async () => {
      opened = await harness.open()
      store = opened.store
    })
    afterAll(() => opened?.cleanup())

    it('passes its start-up check', async () => {
      await expect(store.check()).resolves.toBeUndefined()
    })

    it('round-trips Buffer, Uint8Array, Readable and empty bodies with their hash and size', async () => {
      const bytes = randomBytes(10_000)
      const bodies = [
        bytes,
        new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        Readable.from([bytes.subarray(0, 3), bytes.subarray(3)]),
      ]
      for (const body of bodies) {
        const stored = await store.put(body, { contentType: 'application/octet-stream' })
        expect(isBlobKey(stored.key)).toBe(true)
        expect(stored).toMatchObject({ sha256: sha256(bytes), size: bytes.byteLength })
        expect(await readAll(await store.get(stored.key))).toEqual(bytes)
      }
      const empty = await store.put(Buffer.alloc(0))
      expect(empty).toMatchObject({ sha256: sha256(Buffer.alloc(0)), size: 0 })
      expect((await readAll(await store.get(empty.key))).byteLength).toBe(0)
    })

    it('assigns a fresh key to every put, whatever the body', async () => {
      const [a, b] = await Promise.all([store.put(Buffer.from('same')), store.put(Buffer.from('same'))])
      expect(a!.key).not.toBe(b!.key)
    })

    it('streams a body of more than 20 MiB in and out without changing a byte', async () => {
      const size = 21 * MiB + 12_345
      const source = randomStream(size)
      const stored = await store.put(source.body)
      expect(stored).toEqual({ key: stored.key, sha256: source.sha256(), size })
      expect(await hashStream(await store.get(stored.key))).toEqual({ sha256: stored.sha256, size })
      expect(await store.stat(stored.key)).toEqual(statOf(harness, stored))
    })

    it('serves byte ranges with an inclusive end, as HTTP does', async () => {
      const bytes = randomBytes(1_000)
      const { key } = await store.put(bytes)
      expect(await readAll(await store.get(key, { start: 100 }))).toEqual(bytes.subarray(100))
      expect(await readAll(await store.get(key, { start: 100, end: 199 }))).toEqual(bytes.subarray(100, 200))
      expect(await readAll(await store.get(key, { start: 0, end: 0 }))).toEqual(bytes.subarray(0, 1))
      expect(await readAll(await store.get(key, { start: 990, end: 5_000 }))).toEqual(bytes.subarray(990))
      await expectCode(store.get(key, { start: 1_000 }), 'VALIDATION_FAILED')
      await expectCode(store.get(key, { start: -1 }), 'VALIDATION_FAILED')
      await expectCode(store.get(key, { start: 10, end: 9 }), 'VALIDATION_FAILED')
      await expectCode(store.get(key, { start: 0.5 }), 'VALIDATION_FAILED')
    })

    it('stats a blob, and reports a missing one as null', async () => {
      const bytes = randomBytes(777)
      const stored = await store.put(bytes)
      expect(await store.stat(stored.key)).toEqual(statOf(harness, stored))
      expect(await store.stat(newKeyShape())).toBeNull()
    })

    it('deletes idempotently', async () => {
      const { key } = await store.put(Buffer.from('bye'))
      await store.delete(key)
      await store.delete(key)
      await store.delete(newKeyShape())
      expect(await store.stat(key)).toBeNull()
      await expectCode(store.get(key), 'NOT_FOUND')
    })

    it('rejects a get of a missing key with NOT_FOUND', async () => {
      await expectCode(store.get(newKeyShape()), 'NOT_FOUND')
      await expectCode(store.get(newKeyShape(), { start: 0 }), 'NOT_FOUND')
    })

    it('refuses every key not shaped like the ones put() assigns', async () => {
      for (const key of TRAVERSAL_CORPUS) {
        const bad = key as string
        await expectCode(store.get(bad), 'VALIDATION_FAILED')
        await expectCode(store.stat(bad), 'VALIDATION_FAILED')
        await expectCode(store.delete(bad), 'VALIDATION_FAILED')
        await expectCode(store.signedDownloadUrl(bad, { ttlS: 60 }), 'VALIDATION_FAILED')
      }
    })

    it('hands out signed download URLs that a plain fetch can follow', async () => {
      const bytes = randomBytes(4_096)
      const { key } = await store.put(bytes)
      for (const fileName of [undefined, 'weights "final" ü.bin']) {
        const url = await store.signedDownloadUrl(key, { ttlS: 60, fileName })
        const response = await fetch(url)
        expect(response.status).toBe(200)
        expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes)
      }
      await expectCode(store.signedDownloadUrl(key, { ttlS: 0 }), 'VALIDATION_FAILED')
      await expectCode(store.signedDownloadUrl(key, { ttlS: 8 * 24 * 3600 }), 'VALIDATION_FAILED')
    })

    it('rejects a put whose body fails with the body’s own error', async () => {
      for (const goodBytes of [1_000, 9 * MiB]) {
        const failure = new Error('client went away')
        await expect(store.put(failingStream(goodBytes, failure))).rejects.toBe(failure)
      }
    })

    it('refuses a content type that could not be sent as a header', async () => {
      await expectCode(
        store.put(Buffer.from('x'), { contentType: 'text/plain\r\nx-evil: 1' }),
        'VALIDATION_FAILED',
      )
    })
  })
}

describe('filesystem blob store', () => {
  let dataDir: string
  let root: string
  let store: FsBlobStore
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'stemma-fs-blobs-'))
    root = join(dataDir, 'blobs')
    store = new FsBlobStore({
      root,
      signingSecret: SIGNING_SECRET,
      urlBase: 'https://stemma.test/api/blobs/',
    })
  })
  afterAll(() => rm(dataDir, { recursive: true, force: true }))

  function signedParams(url: string) {
    const parsed = new URL(url)
    expect(parsed.origin + parsed.pathname).toMatch(
      /^https:\/\/stemma\.test\/api\/blobs\/[0-9a-f]{2}\/[0-9a-f]{30}$/,
    )
    return {
      key: parsed.pathname.slice('/api/blobs/'.length),
      expires: parsed.searchParams.get('expires')!,
      signature: parsed.searchParams.get('signature')!,
      fileName: parsed.searchParams.get('filename') ?? undefined,
    }
  }

  it('stores a blob as <root>/<key>, leaving nothing in the incoming directory', async () => {
    const { key } = await store.put(Buffer.from('on disk'))
    expect(existsSync(join(root, key))).toBe(true)
    expect(await readdir(join(root, 'incoming'))).toEqual([])
  })

  it('leaves no partial file behind when a body fails', async () => {
    const before = await listFiles(root)
    await expect(store.put(failingStream(3 * MiB, new Error('cut')))).rejects.toThrow('cut')
    expect(await listFiles(root)).toEqual(before)
  })

  it('never touches files outside its root, whatever key it is given', async () => {
    const sentinel = join(dataDir, 'secret.txt')
    await writeFile(sentinel, 'keep me')
    for (const key of ['../secret.txt', '..\\secret.txt', '%2e%2e/secret.txt', sentinel]) {
      await expectCode(store.delete(key), 'VALIDATION_FAILED')
    }
    expect(existsSync(sentinel)).toBe(true)
  })

  it('signs URLs that verify while fresh and fail when tampered with or expired', async () => {
    const { key } = await store.put(Buffer.from('signed'))
    const now = Date.now()
    const fresh = signedParams(await store.signedDownloadUrl(key, { ttlS: 300 }))
    const verify = (p: typeof fresh, at = now, secret = SIGNING_SECRET) =>
      verifyBlobSignature(secret, p.key, p.expires, p.signature, at, p.fileName)
    expect(fresh.key).toBe(key)
    expect(Number(fresh.expires)).toBeGreaterThanOrEqual(Math.floor(now / 1000) + 299)
    expect(verify(fresh)).toBe(true)

    const flipped = fresh.signature.replace(/^./, (c) => (c === '0' ? '1' : '0'))
    expect(verify({ ...fresh, signature: flipped })).toBe(false)
    expect(verify({ ...fresh, key: newKeyShape() })).toBe(false)
    expect(verify({ ...fresh, expires: String(Number(fresh.expires) + 3600) })).toBe(false)
    expect(verify({ ...fresh, fileName: 'evil.html' })).toBe(false)
    expect(verify({ ...fresh, signature: fresh.signature.slice(0, 10) })).toBe(false)
    expect(verify({ ...fresh, key: '../x' })).toBe(false)
    expect(verify(fresh, now, 'another-secret')).toBe(false)
    expect(verify(fresh, Number(fresh.expires) * 1000)).toBe(false)
    expect(verify(fresh, Number(fresh.expires) * 1000 + 1)).toBe(false)
  })

  it('signs the offered file name along with the key and expiry', async () => {
    const { key } = await store.put(Buffer.from('named'))
    const params = signedParams(await store.signedDownloadUrl(key, { ttlS: 60, fileName: 'model.pt' }))
    expect(params.fileName).toBe('model.pt')
    expect(
      verifyBlobSignature(SIGNING_SECRET, key, params.expires, params.signature, Date.now(), 'model.pt'),
    ).toBe(true)
    expect(verifyBlobSignature(SIGNING_SECRET, key, params.expires, params.signature, Date.now())).toBe(false)
  })

  it('fails its check clearly when the root cannot be a directory', async () => {
    const file = join(dataDir, 'not-a-dir')
    await writeFile(file, '')
    const blocked = new FsBlobStore({
      root: join(file, 'blobs'),
      signingSecret: SIGNING_SECRET,
      urlBase: 'x',
    })
    const err = await expectCode(blocked.check(), 'UNAVAILABLE')
    expect(err.message).toContain('not writable')
    expect(err.message).toContain(file)
  })

  it('refuses to start without a signing secret', () => {
    expect(() => new FsBlobStore({ root, signingSecret: '', urlBase: 'x' })).toThrow(/signingSecret/)
  })
})

describe('S3 blob store', () => {
  let endpoint: string
  beforeAll(async () => {
    endpoint = (await sharedMoto()).endpoint
  })

  const s3Store = (bucket: string, at = endpoint, prefix?: string) =>
    new S3BlobStore({ bucket, prefix, endpoint: at, forcePathStyle: true, region: 'us-east-1' })

  function expectNoSecrets(message: string) {
    expect(message).not.toContain(SECRET_ACCESS_KEY)
    expect(message).not.toContain(ACCESS_KEY_ID)
  }

  it('fails its check clearly when the bucket does not exist', async () => {
    const bucket = `missing-${randomBytes(4).toString('hex')}`
    const err = await expectCode(s3Store(bucket).check(), 'UNAVAILABLE')
    expect(err.message).toContain(`"${bucket}"`)
    expect(err.message).toContain('does not exist')
    expectNoSecrets(err.message)
  })

  it('fails its check, and puts, clearly when nothing listens at the endpoint', async () => {
    const deadEndpoint = `http://127.0.0.1:${await freeLoopbackPort()}`
    const store = s3Store('some-bucket', deadEndpoint)
    const checkError = await expectCode(store.check(), 'UNAVAILABLE')
    expect(checkError.message).toContain('"some-bucket"')
    expect(checkError.message).toContain(deadEndpoint)
    expect(checkError.message).toMatch(/cannot reach the endpoint \(ECONNREFUSED\)/)
    expectNoSecrets(checkError.message)
    for (const body of [Buffer.from('small'), randomStream(9 * MiB).body]) {
      const putError = await expectCode(store.put(body), 'UNAVAILABLE')
      expect(putError.message).toContain('"some-bucket"')
      expectNoSecrets(putError.message)
    }
  })

  it('keeps the hash in object metadata under the prefix, and leaves nothing after a failed body', async () => {
    const bucket = await createBucket(endpoint)
    const store = s3Store(bucket, endpoint, '/team/artifacts/')
    const small = await store.put(Buffer.from('small'))
    const large = await store.put(randomStream(8 * MiB + 1).body)
    const objects = await testClient(endpoint).send(new ListObjectsV2Command({ Bucket: bucket }))
    expect(objects.Contents?.map((o) => o.Key).sort()).toEqual(
      [`team/artifacts/${small.key}`, `team/artifacts/${large.key}`].sort(),
    )
    expect(await store.stat(large.key)).toEqual({ size: large.size, sha256: large.sha256 })

    await expect(store.put(failingStream(20 * MiB, new Error('cut')))).rejects.toThrow('cut')
    const after = await testClient(endpoint).send(new ListObjectsV2Command({ Bucket: bucket }))
    expect(after.KeyCount).toBe(2)
    const uploads = await testClient(endpoint).send(new ListMultipartUploadsCommand({ Bucket: bucket }))
    expect(uploads.Uploads ?? []).toEqual([])
  })

  it('asks S3 to offer the file name as an attachment', async () => {
    const bucket = await createBucket(endpoint)
    const store = s3Store(bucket)
    const { key } = await store.put(Buffer.from('named'))
    const url = new URL(await store.signedDownloadUrl(key, { ttlS: 60, fileName: 'out/weights "v2".bin' }))
    expect(url.searchParams.get('response-content-disposition')).toBe(
      attachmentDisposition('weights "v2".bin'),
    )
    expect(Number(url.searchParams.get('X-Amz-Expires'))).toBe(60)
  })
})

describe('openBlobStore', () => {
  const options = { dataDir: '/srv/stemma', signingSecret: SIGNING_SECRET, urlBase: 'http://localhost/blobs' }

  it('defaults to <dataDir>/blobs, treating a blank URL as unset', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'stemma-open-'))
    for (const url of [undefined, '', '  ']) {
      const store = openBlobStore(url, { ...options, dataDir })
      const { key } = await store.put(Buffer.from('default'))
      expect(existsSync(join(dataDir, 'blobs', key))).toBe(true)
    }
    await rm(dataDir, { recursive: true, force: true })
  })

  it('opens a file: URL as a filesystem store rooted there', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stemma-open-file-'))
    await mkdir(join(dir, 'my blobs'))
    const store = openBlobStore(`file://${dir}/my%20blobs`, options)
    const { key } = await store.put(Buffer.from('file url'))
    expect(existsSync(join(dir, 'my blobs', key))).toBe(true)
    await rm(dir, { recursive: true, force: true })
  })

  it('opens an s3: URL as an S3 store', () => {
    expect(openBlobStore('s3://bucket/some/prefix', options)).toBeInstanceOf(S3BlobStore)
    expect(openBlobStore('s3://bucket', { ...options, s3Endpoint: 'http://127.0.0.1:9000' })).toBeInstanceOf(
      S3BlobStore,
    )
  })

  it('refuses anything else with an error that names no secret', () => {
    expect(() => openBlobStore('https://bucket.example/x', options)).toThrow(/unsupported.*"https:"/)
    expect(() => openBlobStore('not a url', options)).toThrow(/not a URL/)
    expect(() => openBlobStore('file://otherhost/x', options)).toThrow(/local absolute path/)
    expect(() => openBlobStore('s3://', options)).toThrow(/s3:\/\/bucket/)
    expect(() => openBlobStore('s3://bucket/../..%2f/x', options)).toThrow(/prefix/)
    expect(() => openBlobStore('s3://bucket:9000/x', options)).toThrow(/s3:\/\/bucket/)
    try {
      openBlobStore(`s3://${ACCESS_KEY_ID}:${SECRET_ACCESS_KEY}@bucket/x`, options)
      expect.unreachable()
    } catch (err) {
      expect(String(err)).toMatch(/must not carry credentials/)
      expect(String(err)).not.toContain(SECRET_ACCESS_KEY)
    }
  })
})

function testClient(endpoint: string): S3Client {
  return new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1' })
}

async function createBucket(endpoint: string): Promise<string> {
  const bucket = `stemma-${randomBytes(6).toString('hex')}`
  await testClient(endpoint).send(new CreateBucketCommand({ Bucket: bucket }))
  return bucket
}

function statOf(harness: BlobStoreHarness, stored: { sha256: string; size: number }) {
  return harness.storesSha256 ? { size: stored.size, sha256: stored.sha256 } : { size: stored.size }
}

/** A key put() could have assigned, but did not. */
function newKeyShape(): string {
  const hex = randomBytes(16).toString('hex')
  return `${hex.slice(0, 2)}/${hex.slice(2)}`
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

async function hashStream(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of stream) {
    hash.update(chunk as Buffer)
    size += (chunk as Buffer).byteLength
  }
  return { sha256: hash.digest('hex'), size }
}

/** Random bytes in uneven chunks (so part boundaries fall mid-chunk), hashed as they are produced. */
function randomStream(size: number): { body: Readable; sha256(): string } {
  const hash = createHash('sha256')
  async function* chunks() {
    for (let left = size, i = 0; left > 0; i++) {
      const chunk = randomBytes(Math.min(left, 65_536 * (1 + (i % 7)) + 13))
      hash.update(chunk)
      left -= chunk.byteLength
      yield chunk
    }
  }
  return { body: Readable.from(chunks()), sha256: () => hash.digest('hex') }
}

function failingStream(goodBytes: number, failure: Error): Readable {
  async function* chunks() {
    for (let left = goodBytes; left > 0; left -= MiB) yield randomBytes(Math.min(left, MiB))
    throw failure
  }
  return Readable.from(chunks())
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort()
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<Error> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(isStemmaError(err) ? err.code : err).toBe(code)
  return err as Error
}

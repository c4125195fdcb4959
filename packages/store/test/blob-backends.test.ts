// What only one blob store implementation does, and opening one from a URL.
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  attachmentDisposition,
  FsBlobStore,
  openBlobStore,
  S3BlobStore,
  verifyBlobSignature,
} from '../src/blob/index.js'
import { freePort as freeLoopbackPort } from '../../../scripts/postgres-cluster.mjs'
import {
  ACCESS_KEY_ID,
  MiB,
  SECRET_ACCESS_KEY,
  SIGNING_SECRET,
  createBucket,
  expectCode,
  failingStream,
  listFiles,
  newKeyShape,
  randomStream,
  testClient,
  useMoto,
} from './helpers/blob-fixtures.js'

const sharedMoto = useMoto()

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

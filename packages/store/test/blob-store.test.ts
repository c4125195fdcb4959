// One contract suite over every blob store implementation; backend-specific tests are in blob-backends.test.ts.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isBlobKey, openBlobStore, type BlobStore } from '../src/blob/index.js'
import { startBlobDownloadServer } from './helpers/blob-download-server.js'
import {
  MiB,
  SIGNING_SECRET,
  TRAVERSAL_CORPUS,
  createBucket,
  expectCode,
  failingStream,
  hashStream,
  newKeyShape,
  randomStream,
  readAll,
  sha256,
  useMoto,
} from './helpers/blob-fixtures.js'

const sharedMoto = useMoto()

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

function statOf(harness: BlobStoreHarness, stored: { sha256: string; size: number }) {
  return harness.storesSha256 ? { size: stored.size, sha256: stored.sha256 } : { size: stored.size }
}

import { createHash, randomBytes } from 'node:crypto'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3'
import { isStemmaError, type ErrorCode } from '@stemma/core'
import { afterAll, beforeAll, expect } from 'vitest'
import { startMoto, type MotoServer } from './moto.js'

// Shared by the blob store test files: fixtures, a moto server per file, and small stream helpers.

export const SIGNING_SECRET = 'blob-url-signing-secret'
// Fake, but distinctive enough to search error messages for.
export const ACCESS_KEY_ID = 'STEMMATESTACCESSKEYID'
export const SECRET_ACCESS_KEY = 'stemma-test-secret-access-key-never-printed'
export const MiB = 1024 * 1024

/** The right shape, for corpus entries that wrap a plausible key. */
export const KEY = `ab/${'c'.repeat(30)}`
export const TRAVERSAL_CORPUS: unknown[] = [
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

/**
 * Registers the hooks of a file that talks to S3: test credentials in the environment (the SDK's
 * usual chain reads them), and one moto server for the file, started by the first test that asks.
 */
export function useMoto(): () => Promise<MotoServer> {
  let moto: Promise<MotoServer> | undefined
  const savedEnv = { ...process.env }
  beforeAll(() => {
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
  return () => (moto ??= startMoto())
}

export function testClient(endpoint: string): S3Client {
  return new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1' })
}

export async function createBucket(endpoint: string): Promise<string> {
  const bucket = `stemma-${randomBytes(6).toString('hex')}`
  await testClient(endpoint).send(new CreateBucketCommand({ Bucket: bucket }))
  return bucket
}

/** A key put() could have assigned, but did not. */
export function newKeyShape(): string {
  const hex = randomBytes(16).toString('hex')
  return `${hex.slice(0, 2)}/${hex.slice(2)}`
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

export async function hashStream(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of stream) {
    hash.update(chunk as Buffer)
    size += (chunk as Buffer).byteLength
  }
  return { sha256: hash.digest('hex'), size }
}

/** Random bytes in uneven chunks (so part boundaries fall mid-chunk), hashed as they are produced. */
export function randomStream(size: number): { body: Readable; sha256(): string } {
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

export function failingStream(goodBytes: number, failure: Error): Readable {
  async function* chunks() {
    for (let left = goodBytes; left > 0; left -= MiB) yield randomBytes(Math.min(left, MiB))
    throw failure
  }
  return Readable.from(chunks())
}

export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort()
}

export async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<Error> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(isStemmaError(err) ? err.code : err).toBe(code)
  return err as Error
}

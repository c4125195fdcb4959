import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { StemmaError } from '@stemma/core'
import { assertContentType, assertRange, assertTtl } from './blob-arguments.js'
import { assertBlobKey, newBlobKey } from './blob-key.js'
import type {
  BlobBody,
  BlobRange,
  BlobStat,
  BlobStore,
  PutBlobOptions,
  SignedUrlOptions,
  StoredBlob,
} from './blob-store.js'
import { prepended, readPast } from './body-chunks.js'
import { attachmentDisposition } from './content-disposition.js'
import { DigestingBody } from './digesting-body.js'
import { s3Failure } from './s3-errors.js'
import { describeEndpoint, normalizePrefix, validBucket } from './s3-location.js'

export interface S3BlobStoreOptions {
  bucket: string
  /** Object keys become `<prefix>/<blob key>`. */
  prefix?: string
  /** For S3-compatible servers (MinIO, R2, moto…); omit for AWS. */
  endpoint?: string
  region?: string
  forcePathStyle?: boolean
  /** Defaults to the SDK's provider chain (AWS_ACCESS_KEY_ID…, profiles, instance roles). */
  credentials?: S3ClientConfig['credentials']
}

/** Parts are buffered in memory, up to four in flight; 8 MiB × 10,000 parts caps a blob near 78 GiB. */
const PART_SIZE = 8 * 1024 * 1024
/** CopyObject, used to attach the hash after a multipart upload, refuses larger sources. */
const MAX_COPY_SIZE = 5 * 1024 ** 3
const SHA256_HEX = /^[0-9a-f]{64}$/

/** Blobs as objects in one S3 (or S3-compatible) bucket. */
export class S3BlobStore implements BlobStore {
  private readonly client: S3Client
  private readonly bucket: string
  private readonly prefix: string
  private readonly where: string

  constructor(options: S3BlobStoreOptions) {
    this.bucket = validBucket(options.bucket)
    this.prefix = normalizePrefix(options.prefix)
    this.where = `S3 bucket "${this.bucket}" at ${describeEndpoint(options.endpoint, options.region)}`
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      credentials: options.credentials,
      // A dead endpoint should fail a request (and server start) promptly, not after minutes.
      requestHandler: { connectionTimeout: 5_000 },
      // The store hashes every body itself. The SDK's default CRC checksum trailers are not
      // understood by every S3-compatible server, so they are only sent where an operation needs them.
      ...(options.endpoint && {
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      }),
    })
  }

  async put(body: BlobBody, options: PutBlobOptions = {}): Promise<StoredBlob> {
    assertContentType(options.contentType)
    const key = newBlobKey()
    const target = { Bucket: this.bucket, Key: this.objectKey(key), ContentType: options.contentType }
    const digesting = new DigestingBody(body)
    try {
      const chunks = digesting.chunks()
      const head = await readPast(chunks, PART_SIZE)
      if (head.ended) {
        // Small enough for one request, and the hash is known before it is sent.
        const digest = digesting.digest()
        const Body = Buffer.concat(head.chunks)
        await this.client.send(new PutObjectCommand({ ...target, Body, Metadata: { sha256: digest.sha256 } }))
        return { key, ...digest }
      }
      const Body = Readable.from(prepended(head.chunks, chunks))
      await new Upload({ client: this.client, partSize: PART_SIZE, params: { ...target, Body } }).done()
      const digest = digesting.digest()
      await this.attachSha256(target, digest)
      return { key, ...digest }
    } catch (err) {
      if (digesting.bodyError !== undefined) throw digesting.bodyError
      throw s3Failure(err, 'upload to', this.where)
    }
  }

  async get(key: string, range?: BlobRange): Promise<Readable> {
    assertBlobKey(key)
    if (range) assertRange(range)
    const Range = range && `bytes=${range.start}-${range.end ?? ''}`
    try {
      const { Body } = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Range }),
      )
      if (!(Body instanceof Readable)) throw new StemmaError('INTERNAL', 'S3 returned no readable body')
      return Body
    } catch (err) {
      if (err instanceof StemmaError) throw err
      throw s3Failure(err, 'read from', this.where)
    }
  }

  async stat(key: string): Promise<BlobStat | null> {
    assertBlobKey(key)
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }),
      )
      const sha256 = head.Metadata?.sha256
      return { size: head.ContentLength ?? 0, ...(sha256 && SHA256_HEX.test(sha256) && { sha256 }) }
    } catch (err) {
      const failure = s3Failure(err, 'stat in', this.where)
      if (failure.code === 'NOT_FOUND') return null
      throw failure
    }
  }

  async delete(key: string): Promise<void> {
    assertBlobKey(key)
    try {
      // S3 answers a delete of a missing key with success, which is the idempotence wanted.
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }))
    } catch (err) {
      throw s3Failure(err, 'delete from', this.where)
    }
  }

  async signedDownloadUrl(key: string, options: SignedUrlOptions): Promise<string> {
    assertBlobKey(key)
    assertTtl(options.ttlS)
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.objectKey(key),
      ResponseContentDisposition: options.fileName ? attachmentDisposition(options.fileName) : undefined,
    })
    try {
      return await getSignedUrl(this.client, command, { expiresIn: options.ttlS })
    } catch (err) {
      throw s3Failure(err, 'sign a download URL for', this.where)
    }
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }))
      // Writable, not just visible: an empty probe object outside the blob key shape.
      const probe = {
        Bucket: this.bucket,
        Key: this.objectKey(`stemma-check-${randomBytes(8).toString('hex')}`),
      }
      await this.client.send(new PutObjectCommand({ ...probe, Body: Buffer.alloc(0) }))
      await this.client.send(new DeleteObjectCommand(probe))
    } catch (err) {
      throw s3Failure(err, 'use', this.where, 'bucket')
    }
  }

  /**
   * Object metadata is fixed when an upload starts, but a streamed body's hash is only known at
   * its end, so it is attached afterwards by copying the object onto itself. Past CopyObject's
   * limit the blob keeps no stored hash (stat then reports none; put still returns it).
   */
  private async attachSha256(
    target: { Bucket: string; Key: string; ContentType: string | undefined },
    digest: { sha256: string; size: number },
  ): Promise<void> {
    if (digest.size > MAX_COPY_SIZE) return
    try {
      await this.client.send(
        new CopyObjectCommand({
          ...target,
          CopySource: `${target.Bucket}/${target.Key}`,
          MetadataDirective: 'REPLACE',
          Metadata: { sha256: digest.sha256 },
        }),
      )
    } catch (err) {
      // A put either fully succeeds or leaves nothing behind.
      await this.client
        .send(new DeleteObjectCommand({ Bucket: target.Bucket, Key: target.Key }))
        .catch(() => {})
      throw err
    }
  }

  private objectKey(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key
  }
}

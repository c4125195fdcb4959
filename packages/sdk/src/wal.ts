import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs'
import { crc32 } from 'node:zlib'
import type { IngestBatch } from '@stemma/core'

/**
 * The write-ahead file: a header, then records framed as `[u32 length][u32 crc32][payload]`
 * (little endian; crc over the payload). A record is trusted only when its frame is complete
 * and its checksum matches, so a file cut short by a crash — or still being written — reads
 * as every record before the cut.
 */
export const WAL_MAGIC = 'STMWAL'
export const WAL_VERSION = 1
const HEADER_BYTES = 8
const FRAME_BYTES = 8
/** Larger than any batch the server accepts (16 MiB); a bigger length means a damaged frame. */
const MAX_RECORD_BYTES = 256 * 1024 * 1024

/** What one record holds, in the current format. */
export interface WalRecord {
  batch: IngestBatch
  /** The batch exactly as it was first sent, so a re-send is byte-identical. */
  body: string
}

export interface WalEntry {
  record: WalRecord
  /** Byte offset of the frame, so a record can be re-read alone. */
  offset: number
  /** Frame length including its 8-byte header. */
  length: number
}

export interface WalReadResult {
  version: number
  entries: WalEntry[]
  /** Bytes holding valid records (header included). */
  validBytes: number
  /** Bytes after the last valid record: an incomplete or damaged tail. */
  trailingBytes: number
}

function header(): Buffer {
  const buf = Buffer.alloc(HEADER_BYTES)
  buf.write(WAL_MAGIC, 0, 'latin1')
  buf.writeUInt16LE(WAL_VERSION, 6)
  return buf
}

export function encodeRecord(payload: string): Buffer {
  const length = Buffer.byteLength(payload)
  const buf = Buffer.allocUnsafe(FRAME_BYTES + length)
  buf.write(payload, FRAME_BYTES, 'utf8')
  buf.writeUInt32LE(length, 0)
  buf.writeUInt32LE(crc32(buf.subarray(FRAME_BYTES)), 4)
  return buf
}

/**
 * Every loaded record passes through here, so an older format is upgraded in one place. Version 1
 * stores the IngestBatch JSON as sent; a future version adds a case and migrates to this shape.
 */
export function restoreRecord(version: number, payload: Buffer): WalRecord | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(payload.toString('utf8'))
  } catch {
    return undefined
  }
  if (version === 1) {
    const batch = parsed as IngestBatch | null
    if (!batch || typeof batch.writerId !== 'string' || !Number.isInteger(batch.seq)) return undefined
    return { batch, body: payload.toString('utf8') }
  }
  return undefined
}

/** Appends records with synchronous writes: once `append` returns, a process crash cannot lose them. */
export class WalWriter {
  private fd: number | undefined
  private size: number

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a+')
    this.size = fstatSync(this.fd).size
    if (this.size === 0) {
      writeSync(this.fd, header())
      this.size = HEADER_BYTES
    }
  }

  get closed(): boolean {
    return this.fd === undefined
  }

  /** Returns where the frame landed, for `readAt`. */
  append(payload: string): { offset: number; length: number } {
    if (this.fd === undefined) throw new Error('write-ahead file is closed')
    const frame = encodeRecord(payload)
    const offset = this.size
    let written = 0
    while (written < frame.length) written += writeSync(this.fd, frame, written)
    this.size += frame.length
    return { offset, length: frame.length }
  }

  /** Re-reads one record's payload (used once its body was dropped from memory). */
  readAt(offset: number, length: number): string {
    if (this.fd === undefined) throw new Error('write-ahead file is closed')
    const buf = Buffer.alloc(length)
    readSync(this.fd, buf, 0, length, offset)
    return buf.subarray(FRAME_BYTES).toString('utf8')
  }

  sync(): void {
    if (this.fd !== undefined) fsyncSync(this.fd)
  }

  close(): void {
    if (this.fd === undefined) return
    try {
      fsyncSync(this.fd)
    } finally {
      closeSync(this.fd)
      this.fd = undefined
    }
  }
}

/**
 * Reads a write-ahead file one record at a time, so a file of any size is delivered in constant
 * memory. `next()` returns undefined at the end or at the first torn or damaged frame; the size is
 * taken when the cursor opens, so a file still being written reads up to that point.
 */
export class WalCursor {
  readonly version: number
  readonly size: number
  /** Offset after the last record read (the header's end before the first). */
  offset = 0
  private readonly fd: number
  private done = false

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r')
    this.size = fstatSync(this.fd).size
    const head = Buffer.alloc(HEADER_BYTES)
    const got = this.size >= HEADER_BYTES ? readSync(this.fd, head, 0, HEADER_BYTES, 0) : 0
    if (got < HEADER_BYTES || head.toString('latin1', 0, 6) !== WAL_MAGIC) {
      this.version = 0
      this.done = true
    } else {
      this.version = head.readUInt16LE(6)
      this.offset = HEADER_BYTES
    }
  }

  get trailingBytes(): number {
    return this.size - this.offset
  }

  next(): WalEntry | undefined {
    if (this.done || this.offset + FRAME_BYTES > this.size) return this.finish()
    const frame = Buffer.alloc(FRAME_BYTES)
    readSync(this.fd, frame, 0, FRAME_BYTES, this.offset)
    const length = frame.readUInt32LE(0)
    if (length > MAX_RECORD_BYTES || this.offset + FRAME_BYTES + length > this.size) return this.finish()
    const payload = Buffer.alloc(length)
    readSync(this.fd, payload, 0, length, this.offset + FRAME_BYTES)
    if (crc32(payload) !== frame.readUInt32LE(4)) return this.finish()
    const record = restoreRecord(this.version, payload)
    if (record === undefined) return this.finish()
    const entry = { record, offset: this.offset, length: FRAME_BYTES + length }
    this.offset += FRAME_BYTES + length
    return entry
  }

  close(): void {
    if (!this.closed) closeSync(this.fd)
    this.closed = true
  }

  private closed = false

  private finish(): undefined {
    this.done = true
    return undefined
  }
}

/** Reads every intact record; stops quietly at a torn or damaged tail. */
export function readWal(path: string): WalReadResult {
  const cursor = new WalCursor(path)
  try {
    const entries: WalEntry[] = []
    for (let entry = cursor.next(); entry !== undefined; entry = cursor.next()) entries.push(entry)
    return {
      version: cursor.version,
      entries,
      validBytes: cursor.offset,
      trailingBytes: cursor.trailingBytes,
    }
  } finally {
    cursor.close()
  }
}

import { closeSync, fstatSync, fsyncSync, openSync, readFileSync, readSync, writeSync } from 'node:fs'
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

/** Reads every intact record; stops quietly at a torn or damaged tail. */
export function readWal(path: string): WalReadResult {
  const data = readFileSync(path)
  if (data.length < HEADER_BYTES || data.toString('latin1', 0, 6) !== WAL_MAGIC) {
    return { version: 0, entries: [], validBytes: 0, trailingBytes: data.length }
  }
  const version = data.readUInt16LE(6)
  const entries: WalEntry[] = []
  let offset = HEADER_BYTES
  while (offset + FRAME_BYTES <= data.length) {
    const length = data.readUInt32LE(offset)
    if (length > MAX_RECORD_BYTES || offset + FRAME_BYTES + length > data.length) break
    const payload = data.subarray(offset + FRAME_BYTES, offset + FRAME_BYTES + length)
    if (crc32(payload) !== data.readUInt32LE(offset + 4)) break
    const record = restoreRecord(version, payload)
    if (record === undefined) break
    entries.push({ record, offset, length: FRAME_BYTES + length })
    offset += FRAME_BYTES + length
  }
  return { version, entries, validBytes: offset, trailingBytes: data.length - offset }
}

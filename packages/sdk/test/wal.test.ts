import { appendFileSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readWal, WalWriter } from '../src/wal.js'
import { tempDir } from './helpers/env.js'

function batch(seq: number, extra: Record<string, unknown> = {}) {
  return JSON.stringify({ writerId: 'w1', seq, ...extra })
}

describe('write-ahead file', () => {
  it('round-trips records with their offsets', () => {
    const path = join(tempDir(), 'run.wal')
    const wal = new WalWriter(path)
    const at = [1, 2, 3].map((seq) => wal.append(batch(seq, { note: 'héllo ✓' })))
    expect(wal.readAt(at[1]!.offset, at[1]!.length)).toBe(batch(2, { note: 'héllo ✓' }))
    wal.close()
    const read = readWal(path)
    expect(read.version).toBe(1)
    expect(read.entries.map((e) => e.record.batch.seq)).toEqual([1, 2, 3])
    expect(read.entries[0]!.record.body).toBe(batch(1, { note: 'héllo ✓' }))
    expect(read.trailingBytes).toBe(0)
    expect(read.validBytes).toBe(statSync(path).size)
  })

  it('reopening appends after the existing records', () => {
    const path = join(tempDir(), 'run.wal')
    const a = new WalWriter(path)
    a.append(batch(1))
    a.close()
    const b = new WalWriter(path)
    b.append(batch(2))
    b.close()
    expect(readWal(path).entries.map((e) => e.record.batch.seq)).toEqual([1, 2])
  })

  it('stops cleanly at a torn tail, at every cut point', () => {
    const path = join(tempDir(), 'run.wal')
    const wal = new WalWriter(path)
    wal.append(batch(1))
    const second = wal.append(batch(2, { history: { steps: [1, 2, 3] } }))
    wal.close()
    const full = readFileSync(path)
    for (let cut = second.offset + 1; cut < full.length; cut++) {
      writeFileSync(path, full.subarray(0, cut))
      const read = readWal(path)
      expect(read.entries.map((e) => e.record.batch.seq)).toEqual([1])
      expect(read.trailingBytes).toBe(cut - second.offset)
    }
    truncateSync(path, second.offset)
    expect(readWal(path).trailingBytes).toBe(0)
  })

  it('rejects a record whose checksum does not match', () => {
    const path = join(tempDir(), 'run.wal')
    const wal = new WalWriter(path)
    wal.append(batch(1))
    const second = wal.append(batch(2))
    wal.close()
    const bytes = readFileSync(path)
    bytes[second.offset + 12] = bytes[second.offset + 12]! ^ 0xff
    writeFileSync(path, bytes)
    expect(readWal(path).entries).toHaveLength(1)
  })

  it('reads a foreign file as empty rather than throwing', () => {
    const path = join(tempDir(), 'run.wal')
    writeFileSync(path, 'not a write-ahead file')
    expect(readWal(path).entries).toEqual([])
    appendFileSync(path, 'x')
  })
})

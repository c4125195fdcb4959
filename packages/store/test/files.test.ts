import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { StoredBlob, Store } from '../src/index.js'
import { DIALECTS } from './dialects.js'
import { logRows, NOW, ref, runInput } from './helpers.js'

/** A blob as the blob store would report it; the repository only records what it is told. */
function blob(key: string, sha: string, size = 10): StoredBlob {
  return { key: `aa/${key.padEnd(30, '0')}`, sha256: sha.repeat(64).slice(0, 64), size }
}

for (const dialect of DIALECTS) {
  describe(`run files [${dialect.name}]`, () => {
    let store: Store
    let cleanup: () => Promise<void>
    beforeEach(async () => {
      ;({ store, cleanup } = await dialect.open())
      await store.runs.create(runInput('r1'))
      await store.runs.create(runInput('r2'))
    })
    afterEach(() => cleanup())

    it('lists files by name and replaces a name with its new content', async () => {
      const first = await store.files.put(ref('r1'), { name: 'b.txt', blob: blob('1', 'a'), now: NOW })
      expect(first).toEqual({
        file: { name: 'b.txt', size: 10, sha256: 'a'.repeat(64), updatedAt: NOW },
        unusedBlobKeys: [],
      })
      await store.files.put(ref('r1'), { name: 'a/c.json', blob: blob('2', 'b', 3), now: NOW + 1 })
      expect((await store.files.list(ref('r1'))).map((f) => f.name)).toEqual(['a/c.json', 'b.txt'])

      // The old content is no longer named by any file, so its blob is handed back for deletion.
      const second = await store.files.put(ref('r1'), {
        name: 'b.txt',
        blob: blob('3', 'c', 4),
        now: NOW + 2,
      })
      expect(second.unusedBlobKeys).toEqual([blob('1', 'a').key])
      expect(await store.files.get(ref('r1'), 'b.txt')).toEqual({
        name: 'b.txt',
        size: 4,
        sha256: 'c'.repeat(64),
        updatedAt: NOW + 2,
        blobKey: blob('3', 'c').key,
      })
      expect(await store.files.get(ref('r2'), 'b.txt')).toBeNull()
    })

    it('stores content saved by many runs once, and frees it with the last file naming it', async () => {
      await store.files.put(ref('r1'), { name: 'model.pt', blob: blob('1', 'd'), now: NOW })
      // The second upload of the same content lands under a new key, which is not needed.
      const again = await store.files.put(ref('r2'), { name: 'copy.pt', blob: blob('2', 'd'), now: NOW })
      expect(again.unusedBlobKeys).toEqual([blob('2', 'd').key])
      expect((await store.files.get(ref('r2'), 'copy.pt'))?.blobKey).toBe(blob('1', 'd').key)

      expect(await store.files.remove(ref('r1'), 'model.pt')).toEqual({ removed: true, unusedBlobKeys: [] })
      expect(await store.files.remove(ref('r1'), 'model.pt')).toEqual({ removed: false, unusedBlobKeys: [] })
      expect(await store.files.remove(ref('r2'), 'copy.pt')).toEqual({
        removed: true,
        unusedBlobKeys: [blob('1', 'd').key],
      })
    })

    it('frees the content of a deleted run once nothing else names it', async () => {
      await store.files.put(ref('r1'), { name: 'x', blob: blob('1', 'e'), now: NOW })
      await store.files.put(ref('r1'), { name: 'y', blob: blob('2', 'f'), now: NOW })
      await store.files.put(ref('r2'), { name: 'y', blob: blob('3', 'f'), now: NOW })
      const shas = (await store.files.list(ref('r1'))).map((f) => f.sha256)
      await store.runs.delete(ref('r1'))
      expect(await store.files.collect(shas)).toEqual([blob('1', 'e').key])
      expect((await store.files.list(ref('r2'))).map((f) => f.name)).toEqual(['y'])
    })

    it('shows an archived copy its live run’s files and refuses writes to it', async () => {
      await logRows(store, ref('r1'), [
        { step: 0, loss: 1 },
        { step: 1, loss: 2 },
      ])
      await store.files.put(ref('r1'), { name: 'notes.md', blob: blob('1', '1'), now: NOW })
      await store.runs.rewind(ref('r1'), 0, NOW)
      const archive = { ...ref('r1'), archive: 0 }
      expect((await store.files.list(archive)).map((f) => f.name)).toEqual(['notes.md'])
      await expect(
        store.files.put(archive, { name: 'n', blob: blob('2', '2'), now: NOW }),
      ).rejects.toMatchObject({ code: 'RUN_ARCHIVED' })
      await expect(store.files.list(ref('nope'))).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' })
    })

    it('rolls the link back with an enclosing transaction that fails', async () => {
      await expect(
        store.transaction(async (tx) => {
          await tx.files.put(ref('r1'), { name: 'x', blob: blob('1', '9'), now: NOW })
          throw new Error('midway')
        }),
      ).rejects.toThrow('midway')
      expect(await store.files.list(ref('r1'))).toEqual([])
    })
  })
}

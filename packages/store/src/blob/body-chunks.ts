/** Reads chunks until more than `limit` bytes have arrived or the body ends. */
export async function readPast(
  chunks: AsyncIterator<Buffer>,
  limit: number,
): Promise<{ chunks: Buffer[]; ended: boolean }> {
  const head: Buffer[] = []
  let size = 0
  while (size <= limit) {
    const next = await chunks.next()
    if (next.done) return { chunks: head, ended: true }
    head.push(next.value)
    size += next.value.byteLength
  }
  return { chunks: head, ended: false }
}

export async function* prepended(head: Buffer[], rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  try {
    yield* head
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value
  } finally {
    // When the upload gives up early, stop reading the body too (releasing a client's request).
    await rest.return?.()
  }
}

import { syncRunDir, type SyncResult } from '@stemma/sdk'

export function describeSync(dir: string, r: SyncResult): string {
  const parts = [`${dir} → ${r.runPath}: ${r.sent} of ${r.records} batches uploaded`]
  if (r.duplicates > 0) parts.push(`${r.duplicates} already on the server`)
  if (r.trailingBytes > 0)
    parts.push(`${r.trailingBytes} bytes of an unfinished record left for a later sync`)
  if (r.filesPending > 0) parts.push(`${r.filesPending} file(s) not uploaded yet`)
  parts.push(r.ended ? 'run ended' : 'run not ended yet')
  return parts.join('; ')
}

export async function syncCommand(
  runDirs: string[],
  out: (line: string) => void,
  warn: (line: string) => void,
): Promise<void> {
  // A sync waits out server outages, so say what it is waiting for rather than hang silently.
  const onRetry = (reason: string, waitMs: number) =>
    warn(`${reason} Retrying in ${(waitMs / 1000).toFixed(1)} s; Ctrl-C stops, and a later sync resumes.`)
  for (const dir of runDirs) out(describeSync(dir, await syncRunDir(dir, { onRetry })))
}

import { syncRunDir } from '@stemma/sdk'

export async function syncCommand(runDirs: string[], out: (line: string) => void): Promise<void> {
  for (const dir of runDirs) {
    const result = await syncRunDir(dir)
    out(`${dir}: ${JSON.stringify(result)}`)
  }
}

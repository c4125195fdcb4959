import { Api } from '@stemma/sdk'

export async function runsLsCommand(
  options: { path: string; limit: number; json: boolean },
  out: (line: string) => void,
): Promise<void> {
  const api = new Api()
  const runs = []
  for await (const run of api.runs(options.path, { perPage: Math.min(options.limit, 100) })) {
    runs.push(run)
    if (runs.length >= options.limit) break
  }
  if (options.json) {
    out(
      JSON.stringify(
        runs.map((r) => ({
          id: r.id,
          name: r.name,
          state: r.state,
          createdAt: r.createdAt,
          summary: r.summary,
        })),
      ),
    )
    return
  }
  const rows = [
    ['ID', 'NAME', 'STATE', 'CREATED'],
    ...runs.map((r) => [r.id, r.name, r.state, String(r.createdAt)]),
  ]
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)))
  for (const row of rows)
    out(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
}

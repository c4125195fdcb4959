// Distinct on white and on the dark theme's background alike.
const PALETTE = [
  '#2563eb',
  '#dc2626',
  '#16a34a',
  '#9333ea',
  '#ea580c',
  '#0891b2',
  '#db2777',
  '#65a30d',
  '#7c3aed',
  '#ca8a04',
  '#0d9488',
  '#e11d48',
]

/**
 * Colours for the runs on show, by their position (distinct for the first twelve, as W&B
 * assigns them); a run keeps its colour in the table chip and in every chart of the page.
 */
export function colorsByPosition(runIds: string[]): Map<string, string> {
  return new Map(runIds.map((id, i) => [id, PALETTE[i % PALETTE.length]!]))
}

/** A colour for a run that is not on show (or a series without a run), derived from its id. */
export function runColor(runId: string): string {
  let h = 2166136261
  for (let i = 0; i < runId.length; i++) h = Math.imul(h ^ runId.charCodeAt(i), 16777619)
  return PALETTE[(h >>> 0) % PALETTE.length]!
}

export function withAlpha(hex: string, alpha: number): string {
  const a = Math.round(alpha * 255)
    .toString(16)
    .padStart(2, '0')
  return `${hex}${a}`
}

import { StemmaError, type LineageSpec } from '@stemma/core'
import type { RunRecord, RunRef } from '@stemma/store'
import type { ServiceContext } from './context.js'
import { describeRef } from './targets.js'

/**
 * Turns `id?_step=N` or `id?tokens=X` into a step of the source run, and refuses points the
 * run never reached: a fork or rewind beyond the last step would invent history.
 */
export async function resolveLineagePoint(
  ctx: ServiceContext,
  ref: RunRef,
  run: RunRecord,
  spec: LineageSpec,
  option: 'forkFrom' | 'resumeFrom',
): Promise<number> {
  if (run.lastStep === null) {
    throw new StemmaError(
      'INVALID_STEP',
      `${option}: run ${describeRef(ref)} has no history yet to branch from.`,
    )
  }
  const step =
    spec.metric === '_step'
      ? spec.value
      : await ctx.store.history.stepForMetricValue(ref, spec.metric, spec.value)
  if (step > run.lastStep) {
    throw new StemmaError(
      'INVALID_STEP',
      `${option}: step ${step} is beyond the last step (${run.lastStep}) of run ${describeRef(ref)}.`,
      { step, lastStep: run.lastStep },
    )
  }
  return step
}

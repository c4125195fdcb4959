import type { RunTreeNode, RunTreeResponse } from '@stemma/core'
import type { ApiKeyOwner, RunRecord } from '@stemma/store'
import { assertEntityAccess } from '../auth/access.js'
import type { ServiceContext } from './context.js'
import { iso, toRunDto } from './dto.js'
import type { ProjectRef } from './targets.js'

const PAGE = 1000

/**
 * The project's stemma: forks hang under the run they branched from; rewinds are listed on the
 * run they rewound. A fork whose parent was deleted becomes a root.
 */
export async function projectTree(
  ctx: ServiceContext,
  viewer: ApiKeyOwner,
  project: ProjectRef,
): Promise<RunTreeResponse> {
  assertEntityAccess(viewer, project.entity)
  const runs = await allLiveRuns(ctx, project)
  const nodes = new Map<string, RunTreeNode>()
  for (const run of runs) nodes.set(run.runId, await toNode(ctx, run))
  const roots: RunTreeNode[] = []
  for (const run of runs) {
    const node = nodes.get(run.runId)!
    const parent = run.forkedFrom ? nodes.get(run.forkedFrom.runId) : undefined
    if (parent) parent.children.push(node)
    else roots.push(node)
  }
  return { ...project, roots }
}

async function allLiveRuns(ctx: ServiceContext, project: ProjectRef): Promise<RunRecord[]> {
  const out: RunRecord[] = []
  for (let offset = 0; ; offset += PAGE) {
    const page = await ctx.store.runs.list({ ...project, order: 'createdAt', limit: PAGE, offset })
    out.push(...page.runs)
    if (page.runs.length < PAGE || out.length >= page.total) return out
  }
}

async function toNode(ctx: ServiceContext, run: RunRecord): Promise<RunTreeNode> {
  const lineage = await ctx.store.runs.lineage(run)
  const dto = toRunDto(ctx, run)
  return {
    id: run.runId,
    name: run.displayName,
    state: dto.state,
    createdAt: dto.createdAt,
    lastStep: run.lastStep,
    forkedFrom: run.forkedFrom,
    rewinds: lineage.rewinds.map((r) => ({ ...r, at: iso(r.at) })),
    children: [],
  }
}

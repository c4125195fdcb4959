import { StemmaError } from '@stemma/core'
import type { ApiKeyOwner } from '@stemma/store'

/**
 * Projects are private until teams and visibility exist: a user reads and writes only under
 * their own entity; admins reach every entity.
 */
export function assertEntityAccess(viewer: ApiKeyOwner, entity: string): void {
  if (viewer.isAdmin || viewer.username === entity) return
  throw new StemmaError(
    'FORBIDDEN',
    `User ${JSON.stringify(viewer.username)} may not access entity ${JSON.stringify(entity)}.`,
    { entity },
  )
}

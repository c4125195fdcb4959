import { GraphQLError, Kind, type ASTVisitor, type DocumentNode, type ValidationContext } from 'graphql'

/** Deep enough for the standard introspection query (its type references nest about 10 levels). */
export const MAX_QUERY_DEPTH = 15
/** Operations in one document; the clients send one. */
export const MAX_OPERATIONS = 5
/** Fields selected in one document, fragments expanded where they are spread. */
export const MAX_FIELDS = 2_000

/** Refuses documents with too many operations before anything runs. */
export function operationCountProblem(document: DocumentNode): string | undefined {
  const count = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length
  return count > MAX_OPERATIONS
    ? `A request may hold at most ${MAX_OPERATIONS} operations; it has ${count}.`
    : undefined
}

/**
 * A validation rule bounding selection depth and the total number of fields, counting each
 * fragment's fields where it is spread, so nesting fragments cannot hide a large query.
 */
export function boundedSelections(context: ValidationContext): ASTVisitor {
  const fragments = new Map(
    context
      .getDocument()
      .definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])),
  )
  let fields = 0
  const walk = (
    selections: readonly import('graphql').SelectionNode[],
    depth: number,
    seen: Set<string>,
  ): void => {
    if (depth > MAX_QUERY_DEPTH)
      throw new GraphQLError(`The query is nested deeper than ${MAX_QUERY_DEPTH} levels.`)
    for (const selection of selections) {
      if (selection.kind === Kind.FIELD) {
        if (++fields > MAX_FIELDS) throw new GraphQLError(`The query selects more than ${MAX_FIELDS} fields.`)
        if (selection.selectionSet) walk(selection.selectionSet.selections, depth + 1, seen)
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet.selections, depth, seen)
      } else {
        const fragment = fragments.get(selection.name.value)
        // A fragment spread inside itself is reported by graphql-js's own rule.
        if (fragment === undefined || seen.has(fragment.name.value)) continue
        walk(fragment.selectionSet.selections, depth, new Set([...seen, fragment.name.value]))
      }
    }
  }
  return {
    OperationDefinition(node) {
      try {
        walk(node.selectionSet.selections, 1, new Set())
      } catch (err) {
        if (err instanceof GraphQLError) context.reportError(err)
        else throw err
      }
      return false
    },
  }
}

import { useCallback, useEffect, useState } from 'react'

export interface Loaded<T> {
  data: T | undefined
  error: Error | undefined
  loading: boolean
  /** Loads again (after an edit), keeping the old data on screen meanwhile. */
  reload: () => void
}

/** Runs `load` whenever a dependency changes; a superseded request is aborted, never applied. */
export function useFetch<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true })
  const [generation, setGeneration] = useState(0)
  const reload = useCallback(() => setGeneration((g) => g + 1), [])
  useEffect(() => {
    const controller = new AbortController()
    setState((s) => ({ ...s, loading: true }))
    load(controller.signal).then(
      (data) => !controller.signal.aborted && setState({ data, loading: false }),
      (error: Error) => !controller.signal.aborted && setState((s) => ({ ...s, error, loading: false })),
    )
    return () => controller.abort()
    // The caller names the dependencies, as with useEffect.
  }, [...deps, generation]) // eslint-disable-line react-hooks/exhaustive-deps
  return {
    data: state.data,
    error: state.error,
    loading: state.loading,
    reload,
  }
}

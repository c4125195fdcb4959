/** What a panel shows while its data is on the way: the error if the fetch failed, else a loading line. */
export function FetchStatus({ error }: { error?: Error | null }) {
  if (error)
    return (
      <p role="alert" className="error">
        {error.message}
      </p>
    )
  return <div className="loading">Loading…</div>
}

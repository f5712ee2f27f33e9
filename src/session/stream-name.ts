/** Splits `key?token=abc&x=1` into the name and its query parameters (names and queries are untrusted input). */
export function splitStreamName(raw: string): { name: string; query: Record<string, string> } {
  const q = raw.indexOf('?')
  if (q < 0) return { name: raw, query: {} }
  const query: Record<string, string> = {}
  for (const [k, v] of new URLSearchParams(raw.slice(q + 1))) if (!(k in query)) query[k] = v
  return { name: raw.slice(0, q), query }
}

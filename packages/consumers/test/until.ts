/** Poll until `check` returns something truthy (the page re-renders through setData, media through sockets). */
export async function until<T>(what: string, check: () => T | undefined | false | null | '', timeoutMs = 15000): Promise<T> {
  const started = Date.now()
  for (;;) {
    const v = check()
    if (v) return v
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting for ' + what)
    await new Promise((r) => setTimeout(r, 25))
  }
}

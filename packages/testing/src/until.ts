/**
 * Poll until `check` returns something truthy and return it; throw after `timeoutMs`. Pages
 * re-render through setData and media arrives through sockets, so tests wait on what they see.
 *
 * @example
 * const url = await until(() => page.pusher()?.url, 'a push URL in the page')
 */
export async function until<T>(check: () => T | undefined | null | false | '' | 0, what = 'a condition', timeoutMs = 15000): Promise<T> {
  const started = Date.now()
  for (;;) {
    const value = check()
    if (value) return value
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting for ' + what)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

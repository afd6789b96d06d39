/** A connection that stayed up this long counts as recovered: its next outage gets all retries again. */
const STABLE_MS = 3000

/**
 * The native components' own reconnect budget (TXLivePusher/TXLivePlayer retry a few times, then
 * give up with -1307 / -2301). A new outage gets the full budget only if the connection had been
 * up for a while: NMS 4.4.3 answers a refused publish (duplicate name, bad characters) with
 * Publish.Start and then closes, and refilling on every success would retry such a URL forever.
 */
export class RetryBudget {
  private left = 0
  private upSince = 0

  constructor(readonly retries: number) {}

  /** A fresh start (url set, play pressed): the full budget. */
  reset(): void {
    this.left = this.retries
    this.upSince = 0
  }

  /** The connection is up (1002 / 2004). */
  up(): void {
    this.upSince = Date.now()
  }

  /** The connection failed: the 1-based number of the retry to make, or 0 when the budget is spent. */
  take(): number {
    if (this.upSince > 0 && Date.now() - this.upSince >= STABLE_MS) this.left = this.retries
    this.upSince = 0
    if (this.left === 0) return 0
    this.left--
    return this.retries - this.left
  }
}

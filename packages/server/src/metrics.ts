import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/**
 * Prometheus metrics on a registry of our own (not prom-client's global one), so several
 * servers in one process, as in tests, never collide.
 */
export class Metrics {
  readonly registry = new Registry()
  readonly connections = new Gauge({ name: 'minirtc_connections', help: 'Open signaling WebSockets', registers: [this.registry] })
  readonly errors = new Counter({
    name: 'minirtc_error_replies_total',
    help: 'Error replies sent, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  })
  readonly authFailures = new Counter({
    name: 'minirtc_auth_failures_total',
    help: 'Failed logins, token renewals and admin API calls, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  })
  readonly mediaAuth = new Counter({
    name: 'minirtc_media_auth_total',
    help: 'Media connection decisions, by kind and result (allow or the refusal reason)',
    labelNames: ['kind', 'result'],
    registers: [this.registry],
  })
  readonly hookLatency = new Histogram({
    name: 'minirtc_media_hook_duration_seconds',
    help: 'Time to answer a media server authorization hook',
    labelNames: ['backend', 'kind'],
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5],
    registers: [this.registry],
  })
  readonly slowConsumers = new Counter({
    name: 'minirtc_slow_consumers_total',
    help: 'Connections dropped because their client stopped reading (send buffer over its limit), by listener',
    labelNames: ['listener'],
    registers: [this.registry],
  })
  readonly limitDrops = new Counter({
    name: 'minirtc_limit_drops_total',
    help: 'Connections refused or dropped by a listener limit (per-address cap, handshake or idle timeout)',
    labelNames: ['listener', 'why'],
    registers: [this.registry],
  })
  readonly recordingsActive = new Gauge({ name: 'minirtc_recordings_active', help: 'Recordings running on this server', registers: [this.registry] })
  readonly recordingBytes = new Counter({ name: 'minirtc_recording_bytes_total', help: 'Bytes written to recording files', registers: [this.registry] })
  readonly recorderFailures = new Counter({
    name: 'minirtc_recorder_failures_total',
    help: 'Recorder ffmpeg processes that ended without being asked to (restarted while their stream is live), by layout',
    labelNames: ['layout'],
    registers: [this.registry],
  })
  readonly relaysActive = new Gauge({ name: 'minirtc_relays_active', help: 'Relays to RTMP URLs (CDN) on this server, waiting or relaying', registers: [this.registry] })
  readonly relayFailures = new Counter({
    name: 'minirtc_relay_failures_total',
    help: 'Relay ffmpeg processes that ended without being asked to (publisher gone, target refused); retried with backoff',
    registers: [this.registry],
  })
  readonly webhooks = new Counter({
    name: 'minirtc_webhook_attempts_total',
    help: 'Webhook delivery attempts, by event and result (delivered, failed)',
    labelNames: ['event', 'result'],
    registers: [this.registry],
  })

  /**
   * Frames received per op, counted here and handed to `messages` when it is scraped: prom-client's
   * `inc()` validates and hashes its labels on every call (about 2 % of a busy server's CPU on
   * this, the hottest path there is).
   */
  private readonly received = new Map<string, number>()
  readonly messages: Counter

  /** Count one received signaling frame (`op`: a validated operation or 'invalid', a bounded set). */
  countMessage(op: string): void {
    this.received.set(op, (this.received.get(op) ?? 0) + 1)
  }

  /** Sampled from the room logic at scrape time rather than tracked on every change. */
  readonly rooms: Gauge
  readonly users: Gauge
  readonly streams: Gauge
  readonly mediaConnections: Gauge

  constructor(sample: () => { rooms: number; sessions: number; streams: number; mediaConnections: number }) {
    const reg = this.registry
    const received = this.received
    this.messages = new Counter({
      name: 'minirtc_messages_total',
      help: 'Signaling frames received, by operation (invalid = rejected before dispatch)',
      labelNames: ['op'],
      registers: [reg],
      collect() {
        this.reset()
        for (const [op, n] of received) this.inc({ op }, n)
      },
    })
    this.rooms = new Gauge({ name: 'minirtc_rooms', help: 'Rooms with users on this node', registers: [reg], collect() { this.set(sample().rooms) } })
    this.users = new Gauge({ name: 'minirtc_users', help: 'Sessions (users in rooms) on this node', registers: [reg], collect() { this.set(sample().sessions) } })
    this.streams = new Gauge({ name: 'minirtc_streams', help: 'Live streams on this node', registers: [reg], collect() { this.set(sample().streams) } })
    this.mediaConnections = new Gauge({ name: 'minirtc_media_connections', help: 'Media connections (publishers and players) this node admitted and tracks', registers: [reg], collect() { this.set(sample().mediaConnections) } })
    // The event-loop lag histogram samples with a timer: prom-client's default (every 10 ms) wakes
    // an idle node 100 times a second, 1.2 % of a core on the benchmark machine (a wake-up there
    // costs ~120 µs). Every 200 ms still catches any stall a scrape interval would show.
    collectDefaultMetrics({ register: reg, prefix: 'minirtc_', eventLoopMonitoringPrecision: 200 })
  }
}

import { pino, type Logger } from 'pino'

/** pino JSON logs on stdout; `level: 'silent'` keeps tests quiet. */
export function createLogger(opt: { level?: string } | Logger | undefined): Logger {
  if (opt && typeof (opt as Logger).child === 'function') return opt as Logger
  const level = (opt as { level?: string } | undefined)?.level ?? process.env.MINIRTC_LOG_LEVEL ?? 'info'
  return pino({ level, base: { name: 'minirtc-server' } })
}

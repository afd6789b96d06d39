// Where the built console lives, for servers that host it (`minirtc-server` at /console, the demo stack).
import { fileURLToPath } from 'node:url'

/** Absolute path of the console's static files (`vite build` output); serve it at any path, e.g. /console/. */
export const consoleDistDir = fileURLToPath(new URL('./dist/', import.meta.url))

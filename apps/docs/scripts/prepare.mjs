// Runs before VitePress (dev and build): generates what the site needs that is not in the
// repository, into git-ignored folders. Today that is the API reference.
import { generateApi } from './api.mjs'

const started = Date.now()
const entries = await generateApi()
console.log(`API reference: ${entries.map((e) => e.name).join(', ')} (${((Date.now() - started) / 1000).toFixed(1)} s)`)

import { defineConfig } from 'tsup'
import { miniProgramLibrary } from '../../scripts/miniProgramLibrary'

export default defineConfig(miniProgramLibrary({ entry: ['src/index.ts'] }))

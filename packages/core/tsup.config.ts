import { defineConfig } from 'tsup'
import { miniProgramLibrary } from '../../scripts/miniProgramLibrary'

export default defineConfig(miniProgramLibrary({ entry: ['src/index.ts', 'src/renderer.ts', 'src/room.ts', 'src/miniprogram.ts'] }))

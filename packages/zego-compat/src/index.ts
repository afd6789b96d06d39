export { ZegoExpressEngine, type ZegoPlayer, type ZegoPusher } from './ZegoExpressEngine'
export type * from './types'

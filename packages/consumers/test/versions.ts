/**
 * The framework versions the consumer tests build and run: the adapters' peer ranges are derived
 * from these and nothing else (packing.test.ts checks the published package.json files).
 */
import type { UniVersionSet } from './uniConsumer'

/** Taro: the newest patch of each supported minor, all @tarojs packages at that version. */
export const TARO_VERSIONS = { previous: '4.1.11', newest: '4.2.1' } as const

/** uni-app releases: the newest published for every package, and the one before. */
export const UNI_SETS = {
  previous: { uni: '3.0.0-4080720251210001', types: '3.4.19' },
  newest: { uni: '3.0.0-5010420260703001', types: '3.4.31' },
} satisfies Record<string, UniVersionSet>

/** What @minirtc/taro declares for each @tarojs peer: a tested minor, from its tested patch on. */
export const taroPeerRange = () => Object.values(TARO_VERSIONS).map((v) => '~' + v).join(' || ')
/** What @minirtc/uni declares for @dcloudio/uni-app: from the oldest to the newest tested release. */
export const uniPeerRange = () => `>=${UNI_SETS.previous.uni} <=${UNI_SETS.newest.uni}`

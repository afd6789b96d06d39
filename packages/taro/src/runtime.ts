/**
 * Runtime half of the Taro plugin (injected into the app bundle through `platform.runtimePath`).
 * Taro numbers each component's props (`p0`, `p1`, …) from its component list, once in the
 * template and once at runtime; both lists must hold the same attributes or props land in the
 * wrong `pN` keys.
 */
import { mergeInternalComponents } from '@tarojs/shared'
import { LIVE_COMPONENTS } from './liveComponents'

mergeInternalComponents(LIVE_COMPONENTS)

import { defineTaroConsumerTests } from './taroConsumer'
import { TARO_VERSIONS } from './versions'

defineTaroConsumerTests({ version: TARO_VERSIONS.previous })

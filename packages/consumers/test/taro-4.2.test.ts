import { defineTaroConsumerTests } from './taroConsumer'

defineTaroConsumerTests({ version: '4.2.1', full: true })

import { defineTaroConsumerTests } from './taroConsumer'

defineTaroConsumerTests({ version: '4.1.11' })

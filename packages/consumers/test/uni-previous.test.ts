import { UNI_SETS, defineUniConsumerTests } from './uniConsumer'

defineUniConsumerTests('npm', { set: UNI_SETS.previous })

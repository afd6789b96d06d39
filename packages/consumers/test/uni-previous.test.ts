import { defineUniConsumerTests } from './uniConsumer'
import { UNI_SETS } from './versions'

defineUniConsumerTests('npm', { set: UNI_SETS.previous })

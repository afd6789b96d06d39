import { defineUniConsumerTests } from './uniConsumer'
import { UNI_SETS } from './versions'

defineUniConsumerTests('uni_modules', { set: UNI_SETS.newest })

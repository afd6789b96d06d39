import { defineUniConsumerTests } from './uniConsumer'

defineUniConsumerTests('npm', { full: true })

import { defineUniConsumerTests } from './uniConsumer'

defineUniConsumerTests('uni_modules')

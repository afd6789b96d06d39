export * from './media/index.js'

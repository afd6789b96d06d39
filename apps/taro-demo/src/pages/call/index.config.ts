export default definePageConfig({ navigationBarTitleText: 'MiniRTC call' })

// The page in packages/taro/README.md, built here so the README stays correct (a test compares them).
export default definePageConfig({ navigationBarTitleText: 'Room (README example)' })

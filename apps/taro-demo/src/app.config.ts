export default defineAppConfig({
  pages: ['pages/call/index'],
  window: {
    navigationBarBackgroundColor: '#111',
    navigationBarTitleText: 'MiniRTC',
    navigationBarTextStyle: 'white',
  },
})

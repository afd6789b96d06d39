export default defineAppConfig({
  pages: ['pages/call/index', 'pages/room/index'],
  window: {
    navigationBarBackgroundColor: '#111',
    navigationBarTitleText: 'MiniRTC',
    navigationBarTextStyle: 'white',
  },
})

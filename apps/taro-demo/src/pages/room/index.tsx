import Taro from '@tarojs/taro'
import { Button, View } from '@tarojs/components'
import { RtcPlayers, RtcPusher, RtcStatusBanner, useRtcRoom } from '@minirtc/taro'

const user = { userId: 'alice', userName: 'Alice' }
// A real app gets tokens from its own backend; `minirtc-server --dev` hands out test ones.
const fetchToken = () =>
  Taro.request<{ token: string }>({ url: `http://127.0.0.1:8090/dev/token?roomId=room-1&userId=${user.userId}` }).then((res) => res.data.token)

export default function RoomPage() {
  const room = useRtcRoom({ server: 'ws://127.0.0.1:8090/ws', appId: 'dev', roomId: 'room-1', user, token: fetchToken })
  const inRoom = room.roomState !== 'DISCONNECTED'
  // Failures (camera denied, login refused...) show in the banner: room.error.
  const join = () => room.join({ publish: true }).catch(() => {})
  return (
    <View>
      <RtcStatusBanner room={room} />
      <Button onClick={inRoom ? room.logout : join}>{inRoom ? 'Leave' : 'Join'}</Button>
      {inRoom && <RtcPusher room={room} />}
      <RtcPlayers room={room} />
    </View>
  )
}

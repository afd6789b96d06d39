import { useEffect, useState } from 'react'
import { Button, Image, Input, Text, View } from '@tarojs/components'
import { RtcPermissionPrompt, RtcPlayers, RtcPusher, RtcStatusBanner, useRtcRoom } from '@minirtc/taro'
import { APP_ID, DEMO_USER, SERVER, fetchDevToken } from '../../devServer'
import './index.css'

export default function CallPage() {
  const [roomId, setRoomId] = useState('demo')
  const room = useRtcRoom({ server: SERVER, appId: APP_ID, roomId, user: DEMO_USER, token: () => fetchDevToken(roomId, DEMO_USER.userId), waitingImage: '/minirtc/waiting-image.png' })
  const inRoom = room.roomState !== 'DISCONNECTED'
  // Errors (denied camera, refused login...) land in room.error, which the banner shows.
  const join = () => room.join({ publish: true }).catch(() => undefined)
  const [shot, setShot] = useState('')
  const [sei, setSei] = useState('')
  useEffect(() => room.on('recvSEI', (streamId, data) => setSei(`${streamId}: ${data}`)), [room.engine])
  const { enableMic, enableCamera } = room.pusher
  return (
    <View className='call'>
      <RtcStatusBanner room={room} />
      <RtcPermissionPrompt room={room} />
      <View className='row'>
        <Input className='room-id' value={roomId} disabled={inRoom} onInput={(e) => setRoomId(e.detail.value)} />
        <Button id='join' size='mini' onClick={inRoom ? room.logout : join}>{inRoom ? 'Leave' : 'Join'}</Button>
      </View>
      {inRoom && <RtcPusher room={room} className='preview' />}
      <RtcPlayers room={room} />
      <View className='row'>
        <Button id='mic' size='mini' onClick={() => room.setMute({ audio: enableMic })}>{enableMic ? 'Mute mic' : 'Unmute mic'}</Button>
        <Button id='camera' size='mini' onClick={() => room.setMute({ video: enableCamera })}>{enableCamera ? 'Camera off' : 'Camera on'}</Button>
        <Button id='flip' size='mini' onClick={room.switchCamera}>Switch camera</Button>
        <Button id='shot' size='mini' onClick={() => room.getPusher().snapshot().then((r) => setShot(r.tempImagePath))}>Snapshot</Button>
      </View>
      {shot && <Image id='snapshot' src={shot} />}
      <Text id='info'>{room.roomExtraInfo.map((i) => `${i.key}=${i.value}`).join(' ')} {sei}</Text>
    </View>
  )
}

import { Button, Text, View } from '@tarojs/components'
import Taro from '@tarojs/taro'
import { ErrorCode } from '@minirtc/core'
import type { RtcRoom } from './useRtcRoom'

export interface RtcPermissionPromptProps {
  room: Pick<RtcRoom, 'error' | 'publish'>
  className?: string
  text?: string
  buttonText?: string
}

/**
 * Shown after the user denied the camera (CAMERA_DENIED) or microphone (MICROPHONE_DENIED). WeChat asks only once:
 * after a denial the only way back is the settings page (`Taro.openSetting`, which must run from
 * a tap). When both permissions are granted there, publishing starts again.
 */
export function RtcPermissionPrompt({ room, className, text, buttonText }: RtcPermissionPromptProps) {
  const error = room.error
  if (!error || (error.code !== ErrorCode.CAMERA_DENIED && error.code !== ErrorCode.MICROPHONE_DENIED)) return null
  const openSettings = () =>
    Taro.openSetting().then(({ authSetting }) => {
      if (authSetting['scope.camera'] && authSetting['scope.record']) return room.publish(error.streamId || undefined)
    }).catch(() => undefined)
  return (
    <View className={className} style={className ? undefined : { padding: '8px 12px' }}>
      <Text>{text || (error.code === ErrorCode.CAMERA_DENIED ? 'Camera access is off.' : 'Microphone access is off.')}</Text>
      <Button id='minirtc-open-settings' size='mini' type='primary' onClick={openSettings}>
        {buttonText || 'Open settings'}
      </Button>
    </View>
  )
}

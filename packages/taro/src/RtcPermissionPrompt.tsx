import { Button, Text, View } from '@tarojs/components'
import { ErrorCode } from '@minirtc/core'
import type { RtcRoom } from './useRtcRoom'

export interface RtcPermissionPromptProps {
  room: Pick<RtcRoom, 'error'>
  className?: string
  text?: string
  buttonText?: string
}

/**
 * Shown while the camera (CAMERA_DENIED) or the microphone (MICROPHONE_DENIED) is refused. WeChat
 * asks only once: after a refusal the only way back is the settings page, which a button of
 * `open-type="openSetting"` opens. The page shows again on the way back and the room publishes
 * what the refusal held back.
 */
export function RtcPermissionPrompt({ room, className, text, buttonText }: RtcPermissionPromptProps) {
  const error = room.error
  if (!error || (error.code !== ErrorCode.CAMERA_DENIED && error.code !== ErrorCode.MICROPHONE_DENIED)) return null
  return (
    <View className={className} style={className ? undefined : { padding: '8px 12px' }}>
      <Text>{text || (error.code === ErrorCode.CAMERA_DENIED ? 'Camera access is off.' : 'Microphone access is off.')}</Text>
      <Button id='minirtc-open-settings' size='mini' type='primary' openType='openSetting'>
        {buttonText || 'Open settings'}
      </Button>
    </View>
  )
}

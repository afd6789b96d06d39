import { Button, Text, View } from '@tarojs/components'
import { ErrorCode } from '@minirtc/core'
import type { RtcRoom } from './useRtcRoom'

export interface RtcPermissionPromptProps {
  room: Pick<RtcRoom, 'error' | 'publish'>
  className?: string
  text?: string
  buttonText?: string
}

/**
 * Shown while the camera (CAMERA_DENIED) or the microphone (MICROPHONE_DENIED) is refused, or the
 * privacy agreement declined (PRIVACY_DENIED). WeChat asks for a scope only once: after a refusal
 * the only way back is the settings page, which a button of `open-type="openSetting"` opens; the
 * page shows again on the way back and the room publishes what the refusal held back. The
 * agreement is accepted with a button of `open-type="agreePrivacyAuthorization"`, then the room
 * publishes again.
 */
export function RtcPermissionPrompt({ room, className, text, buttonText }: RtcPermissionPromptProps) {
  const error = room.error
  const code = error && error.code
  const privacy = code === ErrorCode.PRIVACY_DENIED
  if (!error || (code !== ErrorCode.CAMERA_DENIED && code !== ErrorCode.MICROPHONE_DENIED && !privacy)) return null
  const said = privacy ? 'The privacy agreement was declined.' : code === ErrorCode.CAMERA_DENIED ? 'Camera access is off.' : 'Microphone access is off.'
  return (
    <View className={className} style={className ? undefined : { padding: '8px 12px' }}>
      <Text>{text || said}</Text>
      {privacy ? (
        <Button id='minirtc-agree-privacy' size='mini' type='primary' openType='agreePrivacyAuthorization' onAgreePrivacyAuthorization={() => room.publish(error.streamId || undefined).catch(() => undefined)}>
          {buttonText || 'Agree'}
        </Button>
      ) : (
        <Button id='minirtc-open-settings' size='mini' type='primary' openType='openSetting'>
          {buttonText || 'Open settings'}
        </Button>
      )}
    </View>
  )
}

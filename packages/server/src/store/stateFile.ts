import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { RoomExtraInfo } from '@minirtc/protocol'

/**
 * What survives a restart of a single server: each room's extra info. Users and streams are not
 * kept (their clients log in and publish again after a restart and rebuild them), but room extra
 * info belongs to no connection, so nobody would set it again.
 */
export interface RoomStateSnapshot {
  v: 1
  rooms: { appId: string; roomId: string; extraInfo: RoomExtraInfo[] }[]
}

/** The snapshot in `file`, or an empty one when there is none yet (or it is unreadable: logged by the caller). */
export function readRoomState(file: string): RoomStateSnapshot {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { v: 1, rooms: [] }
    throw e
  }
  const parsed = JSON.parse(text) as Partial<RoomStateSnapshot>
  if (parsed.v !== 1 || !Array.isArray(parsed.rooms)) throw new Error(`${file}: not a MiniRTC room state file`)
  return { v: 1, rooms: parsed.rooms }
}

/** Write the snapshot atomically (a crash mid-write leaves the previous file, never half of one). */
export function writeRoomState(file: string, state: RoomStateSnapshot): void {
  mkdirSync(dirname(file), { recursive: true })
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 })
  renameSync(tmp, file)
}

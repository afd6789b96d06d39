import { readFileSync } from 'node:fs'

/** How the compiled base.wxml renders one native component. */
export interface CompiledComponent {
  /** Taro's node number (`nn` in page data) for this component's template. */
  nn: string
  /** Attribute name → page-data key it reads (`url` → `p28`). */
  dataKeys: Record<string, string>
  /** Events bound to Taro's handler (`bindstatechange="eh"` → `statechange`). */
  events: string[]
}

/**
 * Reads the live-pusher / live-player templates out of a Taro weapp build. The pN keys depend on
 * every attribute in Taro's component list (the plugin adds some), so they are never hard-coded.
 */
export function readCompiledComponent(baseWxmlPath: string, tag: 'live-pusher' | 'live-player'): CompiledComponent {
  const wxml = readFileSync(baseWxmlPath, 'utf8')
  const m = new RegExp(`<template name="tmpl_0_(\\d+)">\\s*<${tag} ([^>]*)>`).exec(wxml)
  if (!m) throw new Error(`no <${tag}> template in ${baseWxmlPath}`)
  const dataKeys: Record<string, string> = {}
  const events: string[] = []
  for (const [, name, value] of m[2]!.matchAll(/([\w-]+)="([^"]*)"/g)) {
    if (value === 'eh' && name!.startsWith('bind')) events.push(name!.slice(4))
    else {
      const key = /\bi\.(p\d+)\b/.exec(value!)
      if (key) dataKeys[name!] = key[1]!
    }
  }
  return { nn: m[1]!, dataKeys, events }
}

export const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())
export const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())

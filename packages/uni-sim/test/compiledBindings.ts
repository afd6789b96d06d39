/**
 * What the compiled `.wxml` of a component binds on one built-in tag: attribute → data key
 * (`url="{{d}}"` → url: 'd') and event → handler key (`bindstatechange="{{L}}"`).
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { layout } from './layout'

export interface TagBindings {
  /** kebab-case attribute → key in the component's data */
  attributes: Record<string, string>
  /** event name (without `bind`) → key in the component's data */
  events: Record<string, string>
  /** the tag exactly as compiled */
  source: string
}

/** Bindings of `<tag>` in the compiled component `name` (rtc-pusher...) of the current layout. */
export function compiledBindings(component: string, tag: string): TagBindings {
  const componentPath = path.join(layout().dist, layout().components, component, component)
  const wxml = readFileSync(componentPath + '.wxml', 'utf8')
  const match = new RegExp('<' + tag + '\\b[^>]*>').exec(wxml)
  if (!match) throw new Error(`no <${tag}> in ${componentPath}.wxml`)
  const source = match[0]
  const attributes: Record<string, string> = {}
  const events: Record<string, string> = {}
  for (const [, attr, key] of source.matchAll(/\s([a-z][a-z-]*)="\{\{([A-Za-z_$][\w$]*)\}\}"/g)) {
    if (attr!.startsWith('bind')) events[attr!.slice(4)] = key!
    else attributes[attr!] = key!
  }
  return { attributes, events, source }
}

export const kebab = (camel: string) => camel.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())
export const camel = (kebabName: string) => kebabName.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())

/** The attributes a rendered element currently has, camelCased, read from its owner's data. */
export function renderedAttributes(owner: { data: Record<string, unknown> }, bindings: TagBindings): Record<string, any> {
  const out: Record<string, any> = {}
  for (const [name, key] of Object.entries(bindings.attributes)) out[camel(name)] = owner.data[key]
  return out
}

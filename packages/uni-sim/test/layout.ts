/**
 * The two ways an app gets @minirtc/uni, both built by apps/uni-demo: from npm (easycom
 * `custom` rule, components compiled under node-modules/) and as uni_modules/minirtc-uni.
 */
import path from 'node:path'

export interface Layout {
  name: string
  /** The compiled mini-program. */
  dist: string
  /** Where the compiled rtc-* components live inside it. */
  components: string
}

const demo = path.resolve(__dirname, '../../../apps/uni-demo')
export const LAYOUTS = {
  npm: { name: 'npm package', dist: path.join(demo, 'dist/build/mp-weixin'), components: 'node-modules/@minirtc/uni/components' },
  uniModules: { name: 'uni_modules', dist: path.join(demo, 'dist/build-uni-modules/mp-weixin'), components: 'uni_modules/minirtc-uni/components' },
} satisfies Record<string, Layout>

let current: Layout = LAYOUTS.npm
/** Choose the build a test file runs against (each vitest file has its own module instances). */
export function useLayout(chosen: Layout): void {
  current = chosen
}
export function layout(): Layout {
  return current
}

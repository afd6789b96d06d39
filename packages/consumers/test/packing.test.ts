// @vitest-environment node
/**
 * What `pnpm pack` puts in each publishable package's tarball (scripts/pack-all.mjs, run by the
 * global setup): what a user needs and nothing of the workspace's own.
 */
import { describe, expect, it, inject } from 'vitest'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { taroPeerRange, uniPeerRange } from './versions'

const packed = inject('packed')
const packedJson = (tarball: string) => JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }))
const files = (tarball: string) =>
  execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''))

describe('the packed tarballs', () => {
  it('every publishable package is packed and is a dependency of these tests (so turbo builds it first)', () => {
    const own = JSON.parse(readFileSync(path.join(__dirname, '../package.json'), 'utf8'))
    expect(packed.length).toBeGreaterThan(0)
    expect(packed.map((p) => p.name).filter((name) => !(name in own.devDependencies))).toEqual([])
  })

  it.each(packed.map((p) => [p.name, p] as const))('%s holds package.json, README.md, CHANGELOG.md, LICENSE and no tests, configs or workspace files', (_, p) => {
    const list = files(p.tarball)
    expect(list).toEqual(expect.arrayContaining(['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE']))
    expect(list.filter((f) => /(__tests__|\.test\.|\.test-d\.|(^|\/)test\/|tsconfig|vitest\.config|tsup\.config|\.turbo|node_modules|\.tgz$)/.test(f))).toEqual([])
    const pkg = packedJson(p.tarball)
    // `workspace:*` became the version a registry can resolve.
    expect(JSON.stringify(pkg.dependencies ?? {})).not.toContain('workspace:')
    expect(pkg.repository?.directory).toEqual(expect.stringMatching(/^packages\//))
    expect(pkg.keywords).toContain('minirtc')
  })

  it('the adapters declare exactly the framework versions the consumer tests run', () => {
    const taro = packedJson(packed.find((p) => p.name === '@minirtc/taro')!.tarball)
    for (const name of ['@tarojs/taro', '@tarojs/components', '@tarojs/runtime', '@tarojs/shared']) expect([name, taro.peerDependencies[name]]).toEqual([name, taroPeerRange()])
    const uni = packedJson(packed.find((p) => p.name === '@minirtc/uni')!.tarball)
    expect(uni.peerDependencies['@dcloudio/uni-app']).toBe(uniPeerRange())
  })
})

// The documentation site. Its pages are the repository's own Markdown, read where it lives
// (srcDir is the repository root): docs/*.md, the packages' and apps' READMEs, and the pages in
// apps/docs/pages/ (guides, the home page and the generated API reference), which are served
// from the site root. Links between repository files keep working on the site and on GitHub
// because the files keep their paths; a dead link fails the build.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig, type DefaultTheme } from 'vitepress'
import { repoLinks } from './repoLinks'

const docsDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const root = join(docsDir, '../..')
// Pages outside this package (the repository's own files) import `vue` from their own folder,
// where pnpm has none (or uni-app's older one): point them at VitePress's.
const vueDir = dirname(createRequire(createRequire(import.meta.url).resolve('vitepress/package.json')).resolve('vue/package.json'))

/** A page's title: its first `# ` heading, without Markdown code marks. */
function title(file: string): string {
  const h1 = /^# (.+)$/m.exec(readFileSync(join(root, file), 'utf8'))
  return h1 ? h1[1]!.replace(/`/g, '') : file
}
const link = (file: string) => '/' + file.replace(/\.md$/, '')
const item = (file: string, text = title(file)): DefaultTheme.SidebarItem => ({ text, link: link(file) })
/** Markdown files below `dir`, depth first (the API reference nests `@minirtc/core/room`). */
const mdBelow = (dir: string): string[] =>
  existsSync(join(root, dir))
    ? readdirSync(join(root, dir), { withFileTypes: true })
        .sort((a, b) => a.name.localeCompare(b.name))
        .flatMap((e) => (e.isDirectory() ? mdBelow(`${dir}/${e.name}`) : e.name.endsWith('.md') ? [`${dir}/${e.name}`] : []))
    : []
const readmes = (parent: string) =>
  readdirSync(join(root, parent))
    .sort()
    .map((d) => `${parent}/${d}/README.md`)
    .filter((f) => existsSync(join(root, f)))

const serverDocs = ['docs/server.md', 'docs/scaling.md']
// Written elsewhere, listed once it exists.
const zego = 'docs/migrating-from-zego.md'
const apiPages = mdBelow('apps/docs/pages/api/@minirtc')

export default defineConfig({
  title: 'MiniRTC',
  description: 'Open-source, self-hostable real-time audio/video calls for WeChat mini-programs.',
  srcDir: '../..',
  srcExclude: ['.tools/**', '.minirtc/**', 'artifacts/**', 'coverage/**', 'bench/results/tmp/**', '**/.turbo/**'],
  rewrites: { 'apps/docs/pages/:rest*': ':rest*' },
  cleanUrls: true,
  markdown: { config: (md) => repoLinks(md, root) },
  vite: { resolve: { alias: [{ find: /^vue(\/.*)?$/, replacement: `${vueDir}$1` }] } },
  lastUpdated: false,
  themeConfig: {
    nav: [
      { text: 'Get started', link: '/README' },
      { text: 'Server', link: '/docs/server' },
      { text: 'API', link: '/api/' },
    ],
    search: { provider: 'local' },
    outline: [2, 3],
    sidebar: [
      {
        text: 'Get started',
        // The framework guides are the packages' READMEs (install, the config line, a page).
        items: [
          item('README.md', 'Overview'),
          { text: 'The demo stack', link: '/README#the-demo-stack' },
          item('packages/taro/README.md', 'Taro (React)'),
          item('packages/uni/README.md', 'uni-app (Vue 3)'),
          item('packages/weapp/README.md', 'Native pages (WXML)'),
          ...(existsSync(join(root, zego)) ? [item(zego, 'Migrating from ZEGO')] : []),
          { text: 'Troubleshooting', link: '/guide/troubleshooting' },
        ],
      },
      { text: 'Guides and reference', items: mdBelow('docs').filter((f) => !serverDocs.includes(f) && f !== zego).map((f) => item(f)) },
      { text: 'Server operations', items: serverDocs.map((f) => item(f)) },
      { text: 'Packages and apps', collapsed: true, items: [...readmes('packages'), ...readmes('apps'), 'bench/results/README.md'].filter((f) => existsSync(join(root, f))).map((f) => item(f)) },
      {
        text: 'API reference',
        collapsed: true,
        items: [{ text: 'All modules', link: '/api/' }, ...apiPages.map((f) => ({ text: f.slice('apps/docs/pages/api/'.length, -3), link: link(f).replace('/apps/docs/pages', '') }))],
      },
    ],
  },
})

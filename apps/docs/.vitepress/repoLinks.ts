import { existsSync, statSync } from 'node:fs'
import { dirname, join, resolve, sep } from 'node:path'
import type { MarkdownRenderer } from 'vitepress'

/**
 * Relative links in the repository's Markdown that point at something other than a page: a folder
 * (`../testing`, `test/fixtures/zego-page`) or a source file (`call.vue`). They are right on
 * GitHub; on the site, a folder with a README links to that README, and anything else keeps its
 * text without the link. A target that does not exist is left alone, so VitePress still fails
 * the build on it as a dead link.
 */
export function repoLinks(md: MarkdownRenderer, root: string): void {
  md.core.ruler.push('minirtc_repo_links', (state) => {
    const from: string | undefined = state.env?.path
    if (!from) return
    for (const block of state.tokens) {
      const kids = block.type === 'inline' ? block.children : null
      if (!kids) continue
      for (let i = 0; i < kids.length; i++) {
        const open = kids[i]!
        const href = open.type === 'link_open' ? open.attrGet('href') : null
        // Only relative links: not `#anchor`, `/site/path` or `scheme:`.
        if (!href || /^([a-z][a-z\d+.-]*:|#|\/)/i.test(href)) continue
        const [path = '', hash] = href.split('#')
        const target = resolve(dirname(from), decodeURI(path))
        if (!target.startsWith(root + sep) || !existsSync(target) || /\.(md|html)$/.test(target)) continue
        if (statSync(target).isDirectory() && existsSync(join(target, 'README.md'))) {
          open.attrSet('href', join(path, 'README.md') + (hash ? '#' + hash : ''))
          continue
        }
        const close = kids.findIndex((t, j) => j > i && t.type === 'link_close')
        if (close > 0) kids.splice(close, 1)
        kids.splice(i--, 1)
      }
    }
  })
}

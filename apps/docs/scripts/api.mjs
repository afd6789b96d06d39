// The API reference: TypeDoc + typedoc-plugin-markdown over every TypeScript entry point that the
// documented packages export (read from each package.json's "exports", so a new entry point is
// documented without touching this file), written as Markdown into pages/api/ (git-ignored).
import { readFileSync, rmSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Application, ReflectionKind } from 'typedoc'

const here = dirname(fileURLToPath(import.meta.url))
const docs = join(here, '..')
const root = join(docs, '../..')
export const API_PACKAGES = ['core', 'taro', 'uni', 'weapp', 'zego-compat', 'server']
export const API_OUT = join(docs, 'pages/api')

/** `[{ name: '@minirtc/core/room', file: '/abs/packages/core/src/room.ts' }, ...]` */
export function apiEntryPoints() {
  return API_PACKAGES.flatMap((dir) => {
    const pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'))
    return Object.entries(pkg.exports)
      .filter(([, target]) => typeof target === 'object' && target['minirtc-source'])
      .map(([sub, target]) => ({ name: pkg.name + sub.slice(1), file: join(root, 'packages', dir, target['minirtc-source']) }))
  })
}

export async function generateApi() {
  const entries = apiEntryPoints()
  rmSync(API_OUT, { recursive: true, force: true })
  const app = await Application.bootstrapWithPlugins({
    entryPoints: entries.map((e) => e.file),
    entryPointStrategy: 'resolve',
    tsconfig: join(docs, 'tsconfig.typedoc.json'),
    plugin: ['typedoc-plugin-markdown'],
    out: API_OUT,
    name: 'API reference',
    readme: 'none',
    excludePrivate: true,
    excludeInternal: true,
    githubPages: false,
    hideGenerator: true,
    logLevel: 'Warn',
    // A broken {@link} or a documented type that is not exported fails the build.
    treatWarningsAsErrors: true,
    // The packages' own typecheck tasks report type errors; here they would only cost time.
    skipErrorChecking: true,
    // typedoc-plugin-markdown: one page per module, links VitePress resolves.
    outputFileStrategy: 'modules',
    entryFileName: 'index',
    hidePageHeader: true,
    hideBreadcrumbs: true,
    // Signatures as text with links to their types (a code block would drop the links).
    useCodeBlocks: false,
    sanitizeComments: true,
  })
  const project = await app.convert()
  if (!project) throw new Error('TypeDoc could not convert the packages (see above)')
  // Modules are named after their package export ("@minirtc/core/room"), not their source path.
  for (const mod of project.getChildrenByKind(ReflectionKind.Module)) {
    const file = mod.sources?.[0]?.fullFileName
    const entry = entries.find((e) => e.file === file)
    if (entry) mod.name = entry.name
    else throw new Error(`API reference: module ${mod.name} (${file && relative(root, file)}) matches no package export`)
  }
  await app.generateOutputs(project)
  return entries
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await generateApi()

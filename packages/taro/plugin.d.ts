/**
 * MiniRTC Taro plugin (see plugin.js). Taro loads it by name from `config/index.ts`:
 * `plugins: ['@minirtc/taro/plugin']`; nothing imports it.
 */
declare function minirtcTaroPlugin(ctx: unknown): void
export = minirtcTaroPlugin

/// <reference types="vite/client" />
declare module '*.vue' {
  import { DefineComponent } from 'vue'
  const component: DefineComponent<{}, {}, any>
  export default component
}
/** Signaling URL, from MINIRTC_SERVER at build time (vite `define`). */
declare const MINIRTC_SERVER: string
/** App id, from MINIRTC_APP_ID at build time. */
declare const MINIRTC_APP_ID: string

/// <reference types="@tarojs/taro" />
declare module '*.css'
declare namespace NodeJS {
  interface ProcessEnv {
    TARO_ENV: 'weapp' | 'swan' | 'alipay' | 'h5' | 'rn' | 'tt' | 'qq' | 'jd' | 'harmony' | 'jdrn'
    /** Signaling URL baked in at build time (config/index.ts). */
    MINIRTC_SERVER: string
    MINIRTC_APP_ID: string
  }
}
declare const process: { env: NodeJS.ProcessEnv }

/** Absolute path of the console's static files (`vite build` output); serve it at any path, e.g. /console/. */
export declare const consoleDistDir: string

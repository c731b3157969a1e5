// rate-limiter-flexible's own types declare only its main module, whose index loads every store it has
// (the cluster one needs Node's `cluster`). gatepass loads the three modules it uses by their paths, so
// the core stays free of Node built-ins; these give those paths the package's own types.
declare module 'rate-limiter-flexible/lib/RateLimiterMemory.js' {
  export { RateLimiterMemory as default } from 'rate-limiter-flexible';
}
declare module 'rate-limiter-flexible/lib/RateLimiterRedis.js' {
  export { RateLimiterRedis as default } from 'rate-limiter-flexible';
}
declare module 'rate-limiter-flexible/lib/RateLimiterRes.js' {
  export { RateLimiterRes as default } from 'rate-limiter-flexible';
}

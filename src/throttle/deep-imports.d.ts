// The throttle loads the modules it uses by their paths. rate-limiter-flexible's main module loads every
// store it has (the cluster one needs Node's `cluster`), and ipaddr.js names its module only as "main",
// which bundlers for neutral platforms do not read: by path, the core stays free of Node built-ins and
// bundles for any runtime. These give those paths the packages' own types.
declare module 'rate-limiter-flexible/lib/RateLimiterMemory.js' {
  export { RateLimiterMemory as default } from 'rate-limiter-flexible';
}
declare module 'rate-limiter-flexible/lib/RateLimiterRedis.js' {
  export { RateLimiterRedis as default } from 'rate-limiter-flexible';
}
declare module 'rate-limiter-flexible/lib/RateLimiterRes.js' {
  export { RateLimiterRes as default } from 'rate-limiter-flexible';
}
declare module 'ipaddr.js/lib/ipaddr.js' {
  import ipaddr = require('ipaddr.js');
  export = ipaddr;
}

// cytoscape-edgehandles' browser build expects lodash's `memoize` and `throttle` on `window._`
// (its npm build takes them from lodash.memoize and lodash.throttle, which are CommonJS only).
// These two small equivalents cover what edgehandles calls.
(function () {
  "use strict";
  if (window._ && window._.memoize && window._.throttle) return;
  function memoize(fn, resolver) {
    var cache = new Map();
    function memoized() {
      var key = resolver ? resolver.apply(this, arguments) : arguments[0];
      if (cache.has(key)) return cache.get(key);
      var value = fn.apply(this, arguments);
      cache.set(key, value);
      return value;
    }
    memoized.cache = cache;
    return memoized;
  }
  function throttle(fn, wait) {
    var last = 0, timer = null, lastArgs = null, lastThis = null;
    function invoke() {
      last = Date.now();
      timer = null;
      fn.apply(lastThis, lastArgs);
    }
    function throttled() {
      lastArgs = arguments;
      lastThis = this;
      var remaining = wait - (Date.now() - last);
      if (remaining <= 0) {
        if (timer) { clearTimeout(timer); timer = null; }
        invoke();
      } else if (!timer) {
        timer = setTimeout(invoke, remaining);
      }
    }
    throttled.cancel = function () { if (timer) clearTimeout(timer); timer = null; };
    return throttled;
  }
  window._ = Object.assign(window._ || {}, { memoize: memoize, throttle: throttle });
})();

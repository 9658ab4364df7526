/* quickjs.wasm's export: run(n) evaluates bench.js in a fresh QuickJS runtime and
 * returns bench(n), or -1 if the script throws. */
#include <string.h>
#include "quickjs.h"

extern const char bench_js[];

#ifdef __wasm__
__attribute__((export_name("run")))
#endif
long long run(int n) {
    JSRuntime *rt = JS_NewRuntime();
    JSContext *ctx = JS_NewContext(rt);
    long long out = -1;
    JSValue script = JS_Eval(ctx, bench_js, strlen(bench_js), "bench.js", JS_EVAL_TYPE_GLOBAL);
    if (!JS_IsException(script)) {
        JSValue global = JS_GetGlobalObject(ctx);
        JSValue bench = JS_GetPropertyStr(ctx, global, "bench");
        JSValue arg = JS_NewInt32(ctx, n);
        JSValue result = JS_Call(ctx, bench, JS_UNDEFINED, 1, &arg);
        double d;
        if (!JS_IsException(result) && JS_ToFloat64(ctx, &d, result) == 0)
            out = (long long)d;
        JS_FreeValue(ctx, result);
        JS_FreeValue(ctx, bench);
        JS_FreeValue(ctx, global);
    }
    JS_FreeValue(ctx, script);
    JS_FreeContext(ctx);
    JS_FreeRuntime(rt);
    return out;
}

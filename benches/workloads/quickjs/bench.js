// Benchmark script for the quickjs workload: typical JavaScript work, sized
// by `n`, deterministic (no Date, no Math.random). `bench(n)` returns a
// string that the C driver hashes into the 64-bit checksum.
"use strict";

// Deterministic 32-bit xorshift generator.
function makeRng(seed) {
    let s = seed | 0 || 1;
    return function () {
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        return s >>> 0;
    };
}

// Small recursive functions: naive Fibonacci and a binary tree walk.
function fib(k) {
    return k < 2 ? k : fib(k - 1) + fib(k - 2);
}

function makeTree(depth) {
    return depth === 0 ? null : { l: makeTree(depth - 1), r: makeTree(depth - 1), d: depth };
}

function checkTree(t) {
    return t === null ? 1 : 1 + checkTree(t.l) + checkTree(t.r);
}

// Object and array manipulation: records, sort, filter/map/reduce, Map grouping.
function records(rng, count) {
    const names = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"];
    const out = [];
    for (let i = 0; i < count; i++) {
        const r = rng();
        out.push({
            id: i,
            name: names[r & 7] + "-" + (r % 1000),
            score: (r >>> 8) % 10007,
            tags: [r & 3, (r >>> 2) & 3],
        });
    }
    out.sort((a, b) => a.score - b.score || a.id - b.id);
    const groups = new Map();
    for (const rec of out) {
        const key = rec.name.slice(0, rec.name.indexOf("-"));
        let g = groups.get(key);
        if (!g) {
            g = { count: 0, total: 0 };
            groups.set(key, g);
        }
        g.count++;
        g.total += rec.score;
    }
    const top = out
        .filter((r) => r.tags[0] === r.tags[1])
        .map((r) => r.score * 3 + r.id)
        .reduce((acc, v) => (acc * 31 + v) % 1000000007, 7);
    let summary = "";
    for (const [k, g] of [...groups.entries()].sort()) {
        summary += k + ":" + g.count + "/" + g.total + ";";
    }
    return { out, top, summary };
}

// String building: concatenation, join, split, replace, a regular expression.
function strings(rng, count) {
    const parts = [];
    let s = "";
    for (let i = 0; i < count; i++) {
        const w = (rng() % 100000).toString(36);
        parts.push(w.toUpperCase());
        s += w + (i % 7 === 0 ? "\n" : " ");
    }
    const lines = s.split("\n");
    const joined = parts.join(",");
    const words = s.match(/[a-z]+[0-9]+[a-z]*/g) || [];
    const replaced = joined.replace(/[AEIOU]/g, (m) => m.toLowerCase());
    let h = 0;
    for (let i = 0; i < replaced.length; i++) {
        h = (Math.imul(h, 31) + replaced.charCodeAt(i)) | 0;
    }
    return lines.length + ":" + words.length + ":" + replaced.length + ":" + (h >>> 0);
}

// JSON round trip of the records and a nested structure.
function json(recs) {
    const doc = { version: 1, items: recs.slice(0, 200), meta: { nested: [[1, 2.5], { x: "y\u00e9" }] } };
    const text = JSON.stringify(doc);
    const back = JSON.parse(text);
    const again = JSON.stringify(back, null, 1);
    return text.length + ":" + again.length + ":" + back.items.length + ":" + back.meta.nested[1].x;
}

// Numeric loops: sieve of Eratosthenes and a float series.
function numeric(limit) {
    const sieve = new Uint8Array(limit + 1);
    let primes = 0;
    let sum = 0;
    for (let i = 2; i <= limit; i++) {
        if (sieve[i] === 0) {
            primes++;
            sum = (sum + i) % 1000000007;
            for (let j = i * i; j <= limit; j += i) sieve[j] = 1;
        }
    }
    let x = 0;
    for (let i = 1; i <= limit; i++) {
        x += Math.sqrt(i) / (i + 0.5);
    }
    return primes + ":" + sum + ":" + x.toFixed(6);
}

function bench(n) {
    const rng = makeRng(12345);
    const out = [];
    for (let round = 0; round < n; round++) {
        const r = records(rng, 2000);
        out.push(r.top, r.summary.length);
        out.push(strings(rng, 3000));
        out.push(json(r.out));
        out.push(numeric(50000));
        out.push(fib(20), checkTree(makeTree(12)));
    }
    return out.join("|");
}

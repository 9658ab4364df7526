// The JavaScript that quickjs.wasm's run(n) evaluates: n rounds of a mix of what
// script engines spend their time on (objects and property access, closures,
// strings, arrays and sorting, JSON, regular expressions, a class hierarchy).
// Deterministic (no Date, no Math.random): bench(n) returns a checksum.
"use strict";

class Shape {
    constructor(id) { this.id = id; }
    area() { return 0; }
}
class Rect extends Shape {
    constructor(id, w, h) { super(id); this.w = w; this.h = h; }
    area() { return this.w * this.h; }
}
class Circle extends Shape {
    constructor(id, r) { super(id); this.r = r; }
    area() { return Math.floor(3.14159 * this.r * this.r); }
}

function shapes(seed) {
    const out = [];
    for (let i = 0; i < 300; i++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        out.push(i % 3 === 0 ? new Circle(i, seed % 50) : new Rect(i, seed % 40, (seed >> 8) % 40));
    }
    return out;
}

function words(seed) {
    const syll = ["ka", "lo", "mi", "ne", "tu", "ra", "si", "po", "de", "fa"];
    const out = [];
    for (let i = 0; i < 200; i++) {
        let w = "";
        for (let k = 0; k < 2 + (i % 4); k++) {
            seed = (seed * 69069 + 1) % 4294967296;
            w += syll[seed % syll.length];
        }
        out.push(w);
    }
    return out;
}

function round(i) {
    let h = 0;
    const list = shapes(i + 1);
    list.sort((a, b) => a.area() - b.area() || a.id - b.id);
    const total = list.reduce((s, x) => s + x.area(), 0);
    h = (h * 31 + total + list[i % list.length].id) % 1000000007;

    const ws = words(i + 7);
    const counts = {};
    for (const w of ws) counts[w.slice(0, 2)] = (counts[w.slice(0, 2)] || 0) + w.length;
    const text = ws.join(" ");
    const matches = text.match(/\b(ka|mi)[a-z]*(ne|po)\b/g) || [];
    const json = JSON.stringify({ counts, n: matches.length, first: matches[0] || "" });
    const back = JSON.parse(json);
    h = (h * 31 + json.length + back.n + Object.keys(back.counts).length) % 1000000007;

    const memo = new Map();
    const fib = (k) => k < 2 ? k : (memo.has(k) ? memo.get(k) : (memo.set(k, fib(k - 1) + fib(k - 2)), memo.get(k)));
    h = (h * 31 + fib(40 + (i % 30)) % 1000003) % 1000000007;

    let s = 0;
    for (let k = 0; k < 2000; k++) s = (s + ((k * k) ^ (i + k)) % 977) | 0;
    return (h * 31 + s) % 1000000007;
}

function bench(n) {
    let h = 0;
    for (let i = 0; i < n; i++) h = (h * 131 + round(i)) % 1000000007;
    return h;
}

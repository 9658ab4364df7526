/* dtoa.c includes <setjmp.h> but uses nothing from it; wasi-libc has none. */

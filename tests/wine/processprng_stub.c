/*
 * Test support only, never shipped: a stand-in for Windows' bcryptprimitives.dll under Wine 8.
 *
 * Rust's standard library (since 1.78) takes its random numbers from ProcessPrng in
 * bcryptprimitives.dll, present on Windows 10 and later. Wine 8.0 has no such DLL, so every
 * Rust program fails to start under it. This DLL exports ProcessPrng and fills the buffer from
 * RtlGenRandom (advapi32's SystemFunction036), which Wine has. tests/wine/run.sh builds it and
 * puts it next to the .exe under test.
 *
 *   x86_64-w64-mingw32-gcc -O2 -shared -o bcryptprimitives.dll \
 *       processprng_stub.c processprng_stub.def -ladvapi32
 */
#include <windows.h>

/* RtlGenRandom is exported by advapi32 under this name. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size)
{
    /* RtlGenRandom takes a ULONG length: fill large buffers in pieces. */
    while (size > 0) {
        ULONG chunk = size > 0x10000000 ? 0x10000000 : (ULONG)size;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        size -= chunk;
    }
    return TRUE;
}

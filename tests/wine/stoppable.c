/*
 * Test support for tests/wine/winapi-checks.sh: a program for PortSleuth's stop_process to
 * stop (issue #15), with a version resource (stoppable.rc) for process_facts to read.
 *
 *   stoppable.exe console        no window; runs until it is terminated
 *   stoppable.exe window         a top-level window; exits when asked to close (WM_CLOSE)
 *   stoppable.exe window-stubborn  a top-level window that ignores WM_CLOSE
 *
 * Prints "pid PID" once it is ready (the window exists), then waits.
 *
 *   x86_64-w64-mingw32-windres -c 65001 stoppable.rc -O coff -o stoppable.res
 *   x86_64-w64-mingw32-gcc -O2 -o stoppable.exe stoppable.c stoppable.res -luser32
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

static int stubborn;

static LRESULT CALLBACK window_proc(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam)
{
    switch (msg) {
    case WM_CLOSE:
        if (stubborn)
            return 0;
        DestroyWindow(hwnd);
        return 0;
    case WM_DESTROY:
        PostQuitMessage(0);
        return 0;
    default:
        return DefWindowProcW(hwnd, msg, wparam, lparam);
    }
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "console";
    WNDCLASSW wc;
    HWND hwnd;
    MSG msg;

    if (strcmp(mode, "console") == 0) {
        printf("pid %lu\n", GetCurrentProcessId());
        fflush(stdout);
        for (;;)
            Sleep(INFINITE);
    }
    stubborn = strcmp(mode, "window-stubborn") == 0;
    memset(&wc, 0, sizeof(wc));
    wc.lpfnWndProc = window_proc;
    wc.hInstance = GetModuleHandleW(NULL);
    wc.lpszClassName = L"PortSleuthStoppable";
    if (!RegisterClassW(&wc)) {
        fprintf(stderr, "stoppable: RegisterClass failed: %lu\n", GetLastError());
        return 1;
    }
    hwnd = CreateWindowExW(0, wc.lpszClassName, L"PortSleuth stoppable", WS_OVERLAPPEDWINDOW,
                           CW_USEDEFAULT, CW_USEDEFAULT, 320, 200, NULL, NULL, wc.hInstance, NULL);
    if (!hwnd) {
        fprintf(stderr, "stoppable: CreateWindow failed: %lu\n", GetLastError());
        return 1;
    }
    ShowWindow(hwnd, SW_SHOWNORMAL);
    printf("pid %lu\n", GetCurrentProcessId());
    fflush(stdout);
    while (GetMessageW(&msg, NULL, 0, 0) > 0) {
        TranslateMessage(&msg);
        DispatchMessageW(&msg);
    }
    return 0;
}

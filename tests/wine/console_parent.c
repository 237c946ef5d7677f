/*
 * Test support for tests/wine/run.sh: runs a command line in a console of its own, the way a
 * command prompt window does, and prints what appeared in that console.
 *
 *   console_parent.exe "portsleuth.exe --version"
 *
 * The child is started without inherited handles, so a GUI-subsystem program such as the
 * PortSleuth GUI build sees no standard output and has to attach to this console to print.
 * Exits with the child's exit code (or 120 when something here failed).
 *
 * Wine opens a console only with a display (run it under Xvfb). Wine, unlike Windows, also
 * attaches a GUI program started from a console to that console by itself, so under Wine
 * this shows the output reaches the console, not that AttachConsole was what made it so.
 *
 *   x86_64-w64-mingw32-gcc -O2 -o console_parent.exe console_parent.c
 */
#include <windows.h>
#include <stdio.h>

static HANDLE out;

static void say(const char *text, DWORD len)
{
    DWORD written;
    WriteFile(out, text, len, &written, NULL);
}

static int fail(const char *what)
{
    char buf[200];
    int n = snprintf(buf, sizeof(buf), "console_parent: %s failed: %lu\n", what, GetLastError());
    say(buf, (DWORD)n);
    return 120;
}

int main(int argc, char **argv)
{
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;
    CONSOLE_SCREEN_BUFFER_INFO info;
    HANDLE console;
    DWORD code = 0;
    SHORT y;

    out = GetStdHandle(STD_OUTPUT_HANDLE);
    if (argc != 2)
        return fail("usage: console_parent.exe \"COMMAND LINE\";");
    FreeConsole();
    if (!AllocConsole())
        return fail("AllocConsole");
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    if (!CreateProcessA(NULL, argv[1], NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
        return fail("CreateProcess");
    if (WaitForSingleObject(pi.hProcess, 120000) != WAIT_OBJECT_0)
        return fail("waiting for the child");
    GetExitCodeProcess(pi.hProcess, &code);
    console = GetStdHandle(STD_OUTPUT_HANDLE);
    if (!GetConsoleScreenBufferInfo(console, &info))
        return fail("GetConsoleScreenBufferInfo");
    for (y = 0; y <= info.dwCursorPosition.Y; y++) {
        char line[1024];
        DWORD got = 0;
        COORD at = {0, y};
        DWORD width = info.dwSize.X < (SHORT)sizeof(line) - 1 ? (DWORD)info.dwSize.X
                                                               : sizeof(line) - 1;
        if (!ReadConsoleOutputCharacterA(console, line, width, at, &got))
            return fail("ReadConsoleOutputCharacter");
        while (got > 0 && line[got - 1] == ' ')
            got--;
        line[got] = '\n';
        say(line, got + 1);
    }
    return (int)code;
}

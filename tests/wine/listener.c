/*
 * Test support for tests/wine/run.sh: a Windows program that holds a TCP port.
 *
 *   listener.exe [--hold-unix-fd] [PORT]
 *
 * listens on 127.0.0.1:PORT (0 or none: a free port the system picks), prints
 * "listening on PORT pid PID" and waits until it is ended.
 *
 * Why --hold-unix-fd: under Wine every socket lives in wineserver, which is the only Unix
 * process with the socket open. Wine's GetExtendedTcpTable (what PortSleuth's scan asks, through
 * netstat2) finds a socket's owner by looking for it among the open files of each Wine process
 * (/proc/PID/fd), so it finds none and reports owner PID 0: PortSleuth then shows the port with
 * no process, as it would on Windows for a process it may not inspect. With --hold-unix-fd the
 * listener asks Wine (wine_server_handle_to_fd, exported by Wine's ntdll only) for a Unix copy of
 * its socket and keeps it open, so Wine attributes the socket to this process, as Windows
 * always does. On Windows the function does not exist and the option changes nothing.
 *
 *   x86_64-w64-mingw32-gcc -O2 -o listener.exe listener.c -lws2_32
 */
#include <winsock2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef LONG(CDECL *handle_to_fd_fn)(HANDLE handle, ULONG access, int *unix_fd,
                                     unsigned int *options);

static int fail(const char *what)
{
    fprintf(stderr, "listener: %s failed: %d\n", what, WSAGetLastError());
    return 1;
}

int main(int argc, char **argv)
{
    WSADATA wsa;
    SOCKET s;
    struct sockaddr_in addr;
    int len = sizeof(addr);
    int hold_unix_fd = 0;
    unsigned long port = 0;
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--hold-unix-fd") == 0)
            hold_unix_fd = 1;
        else
            port = strtoul(argv[i], NULL, 10);
    }
    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) {
        fprintf(stderr, "listener: WSAStartup failed\n");
        return 1;
    }
    s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (s == INVALID_SOCKET)
        return fail("socket");
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((unsigned short)port);
    if (bind(s, (struct sockaddr *)&addr, sizeof(addr)) == SOCKET_ERROR)
        return fail("bind");
    if (listen(s, 16) == SOCKET_ERROR)
        return fail("listen");
    if (getsockname(s, (struct sockaddr *)&addr, &len) == SOCKET_ERROR)
        return fail("getsockname");
    if (hold_unix_fd) {
        handle_to_fd_fn handle_to_fd = (handle_to_fd_fn)(void (*)(void))GetProcAddress(
            GetModuleHandleA("ntdll.dll"), "wine_server_handle_to_fd");
        int unix_fd = -1;
        unsigned int options = 0;
        /* The Unix descriptor is deliberately never closed: it is what Wine looks for. */
        if (handle_to_fd && handle_to_fd((HANDLE)s, 0, &unix_fd, &options) != 0) {
            fprintf(stderr, "listener: wine_server_handle_to_fd failed\n");
            return 1;
        }
    }
    printf("listening on %u pid %lu\n", ntohs(addr.sin_port), GetCurrentProcessId());
    fflush(stdout);
    Sleep(INFINITE);
    return 0;
}

/*
 * Test support for tests/wine/winapi-checks.sh: a real Windows service that holds TCP ports,
 * for checking PortSleuth's Service Control Manager code (issue #15) under Wine.
 *
 *   service.exe PORT NAME [NAME...]        run by the Service Control Manager
 *   service.exe --set-delayed NAME         marks NAME as delayed automatic start
 *
 * Created with `sc create NAME binPath= "C:\...\service.exe PORT NAME [NAME2]"`. The process
 * registers every NAME with StartServiceCtrlDispatcherW (one for an own-process service; two
 * for a shared process, as svchost.exe hosts several); service number i listens on
 * 127.0.0.1:PORT+i while it runs and stops cleanly on SERVICE_CONTROL_STOP: it reports
 * STOP_PENDING, closes its socket, then reports STOPPED. Each event goes, one line each, to
 * C:\portsleuth-service.log ("NAME listening on PORT pid PID", "NAME stopped").
 *
 * Under Wine it also keeps a Unix copy of each listening socket (wine_server_handle_to_fd, as
 * listener.c --hold-unix-fd does), so that Wine's GetExtendedTcpTable credits the port to the
 * service's process, as Windows always does; the copy is closed (wine_server_release_fd) with the socket. On Windows
 * the function does not exist and nothing changes.
 *
 *   x86_64-w64-mingw32-gcc -O2 -municode -o service.exe service.c -lws2_32 -ladvapi32
 */
#include <winsock2.h>
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define MAX_SERVICES 4

static int count;
static unsigned base_port;
static wchar_t *names[MAX_SERVICES];
static SERVICE_STATUS_HANDLE handles[MAX_SERVICES];
static SERVICE_STATUS statuses[MAX_SERVICES];
static HANDLE stop_events[MAX_SERVICES];
static CRITICAL_SECTION log_lock;

typedef LONG(CDECL *handle_to_fd_fn)(HANDLE handle, ULONG access, int *unix_fd,
                                     unsigned int *options);

typedef void(CDECL *release_fd_fn)(HANDLE handle, int unix_fd);

/* A Unix copy of the socket for Wine's owner lookup (see above); -1 on Windows. */
static int hold_unix_fd(SOCKET s)
{
    handle_to_fd_fn handle_to_fd = (handle_to_fd_fn)(void (*)(void))GetProcAddress(
        GetModuleHandleA("ntdll.dll"), "wine_server_handle_to_fd");
    int unix_fd = -1;
    unsigned int options = 0;
    if (handle_to_fd && handle_to_fd((HANDLE)s, 0, &unix_fd, &options) != 0)
        return -1;
    return unix_fd;
}

static void release_unix_fd(SOCKET s, int unix_fd)
{
    release_fd_fn release_fd = (release_fd_fn)(void (*)(void))GetProcAddress(
        GetModuleHandleA("ntdll.dll"), "wine_server_release_fd");
    if (unix_fd != -1 && release_fd)
        release_fd((HANDLE)s, unix_fd);
}

static void say(const wchar_t *format, ...)
{
    va_list args;
    FILE *log;
    EnterCriticalSection(&log_lock);
    log = _wfopen(L"C:\\portsleuth-service.log", L"a");
    if (log) {
        va_start(args, format);
        vfwprintf(log, format, args);
        va_end(args);
        fputwc(L'\n', log);
        fclose(log);
    }
    LeaveCriticalSection(&log_lock);
}

static void set_state(int i, DWORD state, DWORD wait_hint)
{
    static DWORD checkpoint;
    SERVICE_STATUS *s = &statuses[i];
    s->dwServiceType = count > 1 ? SERVICE_WIN32_SHARE_PROCESS : SERVICE_WIN32_OWN_PROCESS;
    s->dwCurrentState = state;
    s->dwControlsAccepted = state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
    s->dwWaitHint = wait_hint;
    s->dwCheckPoint = (state == SERVICE_RUNNING || state == SERVICE_STOPPED) ? 0 : ++checkpoint;
    SetServiceStatus(handles[i], s);
}

static DWORD WINAPI handler(DWORD control, DWORD event_type, void *event_data, void *context)
{
    int i = (int)(INT_PTR)context;
    (void)event_type;
    (void)event_data;
    switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
        set_state(i, SERVICE_STOP_PENDING, 3000);
        SetEvent(stop_events[i]);
        return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
        return NO_ERROR;
    default:
        return ERROR_CALL_NOT_IMPLEMENTED;
    }
}

static int index_of(const wchar_t *name)
{
    int i;
    for (i = 0; i < count; i++)
        if (_wcsicmp(names[i], name) == 0)
            return i;
    return 0;
}

static void WINAPI service_main(DWORD argc, wchar_t **argv)
{
    int i = index_of(argc > 0 ? argv[0] : names[0]);
    unsigned port = base_port + (unsigned)i;
    struct sockaddr_in addr;
    SOCKET s;
    int unix_fd;

    handles[i] = RegisterServiceCtrlHandlerExW(names[i], handler, (void *)(INT_PTR)i);
    if (!handles[i]) {
        say(L"%ls RegisterServiceCtrlHandlerExW failed: %lu", names[i], GetLastError());
        return;
    }
    stop_events[i] = CreateEventW(NULL, TRUE, FALSE, NULL);
    set_state(i, SERVICE_START_PENDING, 3000);

    s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((unsigned short)port);
    if (s == INVALID_SOCKET || bind(s, (struct sockaddr *)&addr, sizeof(addr)) == SOCKET_ERROR ||
        listen(s, 16) == SOCKET_ERROR) {
        say(L"%ls could not listen on %u: %d", names[i], port, WSAGetLastError());
        statuses[i].dwWin32ExitCode = ERROR_SERVICE_SPECIFIC_ERROR;
        statuses[i].dwServiceSpecificExitCode = (DWORD)WSAGetLastError();
        set_state(i, SERVICE_STOPPED, 0);
        return;
    }
    unix_fd = hold_unix_fd(s);
    say(L"%ls listening on %u pid %lu", names[i], port, GetCurrentProcessId());
    set_state(i, SERVICE_RUNNING, 0);

    WaitForSingleObject(stop_events[i], INFINITE);
    release_unix_fd(s, unix_fd);
    closesocket(s);
    say(L"%ls stopped", names[i]);
    set_state(i, SERVICE_STOPPED, 0);
}

/* ChangeServiceConfig2W(SERVICE_CONFIG_DELAYED_AUTO_START_INFO): Wine's sc.exe has no
 * `start= delayed-auto`, so the test sets it through the API. */
static int set_delayed(const wchar_t *name)
{
    SERVICE_DELAYED_AUTO_START_INFO info = {TRUE};
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
    SC_HANDLE service = scm ? OpenServiceW(scm, name, SERVICE_CHANGE_CONFIG) : NULL;
    BOOL ok = service && ChangeServiceConfig2W(service, SERVICE_CONFIG_DELAYED_AUTO_START_INFO, &info);
    DWORD err = GetLastError();
    if (service)
        CloseServiceHandle(service);
    if (scm)
        CloseServiceHandle(scm);
    if (!ok) {
        fwprintf(stderr, L"service: setting %ls delayed failed: %lu\n", name, err);
        return 1;
    }
    return 0;
}

int wmain(int argc, wchar_t **argv)
{
    SERVICE_TABLE_ENTRYW table[MAX_SERVICES + 1];
    WSADATA wsa;
    int i;

    if (argc == 3 && wcscmp(argv[1], L"--set-delayed") == 0)
        return set_delayed(argv[2]);
    if (argc < 3) {
        fwprintf(stderr, L"usage: service.exe PORT NAME [NAME...] | --set-delayed NAME\n");
        return 2;
    }
    InitializeCriticalSection(&log_lock);
    base_port = (unsigned)wcstoul(argv[1], NULL, 10);
    for (i = 2; i < argc && count < MAX_SERVICES; i++)
        names[count++] = argv[i];
    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)
        return 1;
    memset(table, 0, sizeof(table));
    for (i = 0; i < count; i++) {
        table[i].lpServiceName = names[i];
        table[i].lpServiceProc = service_main;
    }
    if (!StartServiceCtrlDispatcherW(table)) {
        say(L"StartServiceCtrlDispatcherW failed: %lu (run by the Service Control Manager only)",
            GetLastError());
        return 1;
    }
    return 0;
}

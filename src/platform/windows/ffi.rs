//! The only module that calls the Win32 API, and so the only one allowed `unsafe`.
//!
//! Each function here is a thin, safe wrapper: it owns the buffers it hands to Windows, checks
//! the sizes Windows reports before reading them, copies what it needs into Rust values and
//! closes every handle it opens (the `Drop` of [`Handle`] and [`ScHandle`]). Failures come back
//! as the raw Win32 error number (`GetLastError`); the modules above turn them into
//! [`crate::platform::windows::WinError`] with [`os_error`]. Nothing here decides anything: policy (what to
//! check, what to refuse) lives in the callers.
//!
//! Strings Windows writes into a buffer are read by offset from the buffer's start, as bytes,
//! so a pointer that strays outside the buffer yields an empty string, never a wild read.

#![allow(unsafe_code)]
#![warn(clippy::undocumented_unsafe_blocks)]

use crate::platform::windows::error::OsError;
use std::ffi::c_void;
use std::path::PathBuf;
use std::ptr::{null, null_mut};
use windows_sys::Win32::Foundation::{
    CloseHandle, GetLastError, LocalFree, ERROR_INSUFFICIENT_BUFFER, ERROR_MORE_DATA, FILETIME,
    HANDLE, HWND, LPARAM, WAIT_FAILED, WAIT_OBJECT_0, WAIT_TIMEOUT,
};
use windows_sys::Win32::Globalization::{GetOEMCP, MultiByteToWideChar};
use windows_sys::Win32::NetworkManagement::IpHelper::{
    SetTcpEntry, MIB_TCPROW_LH, MIB_TCPROW_LH_0, MIB_TCP_STATE_DELETE_TCB,
};
use windows_sys::Win32::Security::{
    GetTokenInformation, TokenElevation, TOKEN_ELEVATION, TOKEN_QUERY,
};
use windows_sys::Win32::Storage::FileSystem::{
    GetFileVersionInfoSizeW, GetFileVersionInfoW, VerQueryValueW,
};
use windows_sys::Win32::System::Diagnostics::Debug::{
    FormatMessageW, FORMAT_MESSAGE_FROM_SYSTEM, FORMAT_MESSAGE_IGNORE_INSERTS,
};
use windows_sys::Win32::System::Environment::ExpandEnvironmentStringsW;
use windows_sys::Win32::System::Services::{
    ChangeServiceConfigW, CloseServiceHandle, ControlService, EnumDependentServicesW,
    EnumServicesStatusExW, OpenSCManagerW, OpenServiceW, QueryServiceConfig2W, QueryServiceConfigW,
    QueryServiceStatusEx, ENUM_SERVICE_STATUSW, ENUM_SERVICE_STATUS_PROCESSW,
    QUERY_SERVICE_CONFIGW, SC_ENUM_PROCESS_INFO, SC_HANDLE, SC_STATUS_PROCESS_INFO, SERVICE_ACTIVE,
    SERVICE_CONFIG_DELAYED_AUTO_START_INFO, SERVICE_CONTROL_STOP, SERVICE_DELAYED_AUTO_START_INFO,
    SERVICE_NO_CHANGE, SERVICE_STATE_ALL, SERVICE_STATUS, SERVICE_STATUS_PROCESS, SERVICE_WIN32,
};
use windows_sys::Win32::System::SystemInformation::GetSystemDirectoryW;
use windows_sys::Win32::System::Threading::{
    CreateProcessW, GetCurrentProcess, GetExitCodeProcess, GetProcessTimes, OpenProcess,
    OpenProcessToken, QueryFullProcessImageNameW, TerminateProcess, WaitForSingleObject,
    PROCESS_INFORMATION, PROCESS_NAME_WIN32, STARTUPINFOW,
};
use windows_sys::Win32::UI::Shell::CommandLineToArgvW;
use windows_sys::Win32::UI::WindowsAndMessaging::{
    EnumWindows, GetWindow, GetWindowThreadProcessId, PostMessageW, GW_OWNER, WM_CLOSE,
};

/// A Win32 error number.
pub type Code = u32;

/// `ERROR_INVALID_NAME`: what a string with an embedded NUL is refused with.
const ERROR_INVALID_NAME: Code = 123;

fn last_error() -> Code {
    // SAFETY: GetLastError only reads the calling thread's last-error value.
    unsafe { GetLastError() }
}

/// The text Windows gives for an error number, in the user's language, without the trailing
/// line break; empty when Windows has none.
pub fn message(code: Code) -> String {
    let mut buf = [0u16; 1024];
    // SAFETY: FROM_SYSTEM with IGNORE_INSERTS reads no source and no arguments; the buffer is
    // ours and its length in UTF-16 units is passed, so Windows writes at most that many.
    let len = unsafe {
        FormatMessageW(
            FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
            null(),
            code,
            0,
            buf.as_mut_ptr(),
            buf.len() as u32,
            null(),
        )
    } as usize;
    String::from_utf16_lossy(&buf[..len.min(buf.len())])
        .trim_end()
        .to_owned()
}

/// The number and its text, ready for [`crate::platform::windows::WinError::from_os`].
pub fn os_error(code: Code) -> OsError {
    OsError {
        code,
        message: message(code),
    }
}

/// `text` as a NUL-terminated UTF-16 string; a NUL inside would cut it short, so it is refused.
fn wide(text: &str) -> Result<Vec<u16>, Code> {
    if text.contains('\0') {
        return Err(ERROR_INVALID_NAME);
    }
    Ok(text.encode_utf16().chain(std::iter::once(0)).collect())
}

/// Reads the NUL-terminated UTF-16 string that `ptr` points to inside `buf`, by offset.
/// A null pointer, or one outside the buffer, gives an empty string.
fn string_in(buf: &[u8], ptr: *const u16) -> String {
    let offset = (ptr as usize).wrapping_sub(buf.as_ptr() as usize);
    if ptr.is_null() || offset >= buf.len() {
        return String::new();
    }
    let units: Vec<u16> = buf[offset..]
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .take_while(|&u| u != 0)
        .collect();
    String::from_utf16_lossy(&units)
}

/// A `REG_MULTI_SZ`-style list (`a\0b\0\0`) inside `buf`, as `lpDependencies` holds.
fn string_list_in(buf: &[u8], ptr: *const u16) -> Vec<String> {
    let offset = (ptr as usize).wrapping_sub(buf.as_ptr() as usize);
    if ptr.is_null() || offset >= buf.len() {
        return Vec::new();
    }
    let units: Vec<u16> = buf[offset..]
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    units
        .split(|&u| u == 0)
        .take_while(|s| !s.is_empty())
        .map(String::from_utf16_lossy)
        .collect()
}

/// A buffer for Windows to fill with structures that hold pointers: `u64`s, so it is aligned
/// for any of them, viewed as bytes for reading strings by offset.
struct AlignedBuf(Vec<u64>);

impl AlignedBuf {
    fn new(bytes: usize) -> Self {
        AlignedBuf(vec![0u64; bytes.div_ceil(8).max(1)])
    }

    fn len_bytes(&self) -> usize {
        self.0.len() * 8
    }

    fn as_mut_ptr(&mut self) -> *mut u8 {
        self.0.as_mut_ptr().cast()
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: the pointer and length describe exactly the Vec's initialised `u64`s, and
        // `u8` has no alignment or validity requirements; the borrow keeps the Vec alive.
        unsafe { std::slice::from_raw_parts(self.0.as_ptr().cast::<u8>(), self.len_bytes()) }
    }

    /// The first `count` structures of type `T` at the buffer's start, where Windows puts the
    /// array it returns; `None` if they would not fit (Windows said more than it wrote).
    fn structs<T>(&self, count: usize) -> Option<&[T]> {
        let need = count.checked_mul(std::mem::size_of::<T>())?;
        if need > self.len_bytes() || std::mem::align_of::<T>() > 8 {
            return None;
        }
        // SAFETY: the buffer is 8-aligned (a Vec<u64>), which satisfies T's alignment (checked
        // above), holds at least `count` T's worth of bytes (checked above), and Windows wrote
        // `count` plain-data structures (integers and pointers, any bit pattern valid) there.
        Some(unsafe { std::slice::from_raw_parts(self.0.as_ptr().cast::<T>(), count) })
    }
}

// ---------------------------------------------------------------------------------------------
// Handles
// ---------------------------------------------------------------------------------------------

/// A kernel handle (process, token), closed when dropped.
pub struct Handle(HANDLE);

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the handle was returned open by Windows, is owned by this value alone, and
        // is closed exactly once, here.
        unsafe { CloseHandle(self.0) };
    }
}

/// A Service Control Manager or service handle, closed when dropped.
pub struct ScHandle(SC_HANDLE);

impl Drop for ScHandle {
    fn drop(&mut self) {
        // SAFETY: as for `Handle`: owned, open, closed once.
        unsafe { CloseServiceHandle(self.0) };
    }
}

// ---------------------------------------------------------------------------------------------
// Service Control Manager
// ---------------------------------------------------------------------------------------------

/// One service as `EnumServicesStatusExW` lists it, with its `SERVICE_STATUS_PROCESS`.
#[derive(Debug, Clone)]
pub struct RawService {
    pub name: String,
    pub display_name: String,
    pub status: RawStatus,
}

/// The fields of `SERVICE_STATUS_PROCESS` PortSleuth reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct RawStatus {
    pub service_type: u32,
    pub current_state: u32,
    pub wait_hint_ms: u32,
    pub process_id: u32,
}

impl From<&SERVICE_STATUS_PROCESS> for RawStatus {
    fn from(s: &SERVICE_STATUS_PROCESS) -> Self {
        RawStatus {
            service_type: s.dwServiceType,
            current_state: s.dwCurrentState,
            wait_hint_ms: s.dwWaitHint,
            process_id: s.dwProcessId,
        }
    }
}

/// What `QueryServiceConfigW` says about a service.
#[derive(Debug, Clone, Default)]
pub struct RawConfig {
    pub start_type: u32,
    pub binary_path: String,
    pub dependencies: Vec<String>,
    pub start_name: String,
}

pub fn open_sc_manager(access: u32) -> Result<ScHandle, Code> {
    // SAFETY: null machine and database names mean the local, active database.
    let h = unsafe { OpenSCManagerW(null(), null(), access) };
    if h.is_null() {
        Err(last_error())
    } else {
        Ok(ScHandle(h))
    }
}

pub fn open_service(scm: &ScHandle, name: &str, access: u32) -> Result<ScHandle, Code> {
    let name = wide(name)?;
    // SAFETY: `scm` is an open SCM handle and `name` a NUL-terminated string that outlives
    // the call.
    let h = unsafe { OpenServiceW(scm.0, name.as_ptr(), access) };
    if h.is_null() {
        Err(last_error())
    } else {
        Ok(ScHandle(h))
    }
}

/// Every Win32 service (own and shared process; no drivers), with state and PID, in as many
/// calls as the list needs (`ERROR_MORE_DATA` and the resume handle).
pub fn enum_services(scm: &ScHandle) -> Result<Vec<RawService>, Code> {
    let mut out = Vec::new();
    let mut resume: u32 = 0;
    let mut buf = AlignedBuf::new(64 * 1024);
    // Bounded: each round either returns services or grows the buffer once.
    for _ in 0..10_000 {
        let mut needed: u32 = 0;
        let mut returned: u32 = 0;
        // SAFETY: the buffer is ours, writable, 8-aligned, and its byte length is passed;
        // the out-parameters are valid u32s; a null group name means all groups.
        let ok = unsafe {
            EnumServicesStatusExW(
                scm.0,
                SC_ENUM_PROCESS_INFO,
                SERVICE_WIN32,
                SERVICE_STATE_ALL,
                buf.as_mut_ptr(),
                buf.len_bytes() as u32,
                &mut needed,
                &mut returned,
                &mut resume,
                null(),
            )
        };
        let err = if ok == 0 { last_error() } else { 0 };
        if ok == 0 && err != ERROR_MORE_DATA {
            return Err(err);
        }
        let entries = buf
            .structs::<ENUM_SERVICE_STATUS_PROCESSW>(returned as usize)
            .ok_or(ERROR_INSUFFICIENT_BUFFER)?;
        for e in entries {
            out.push(RawService {
                name: string_in(buf.bytes(), e.lpServiceName),
                display_name: string_in(buf.bytes(), e.lpDisplayName),
                status: RawStatus::from(&e.ServiceStatusProcess),
            });
        }
        if ok != 0 {
            return Ok(out);
        }
        if returned == 0 {
            // Not even one entry fitted: grow to what Windows asked for.
            buf = AlignedBuf::new((needed as usize).max(buf.len_bytes() * 2));
        }
    }
    Err(ERROR_MORE_DATA)
}

pub fn query_service_config(service: &ScHandle) -> Result<RawConfig, Code> {
    let mut needed: u32 = 0;
    // SAFETY: asking with a null buffer of size 0 only writes the needed size.
    let ok = unsafe { QueryServiceConfigW(service.0, null_mut(), 0, &mut needed) };
    if ok == 0 {
        let err = last_error();
        if err != ERROR_INSUFFICIENT_BUFFER {
            return Err(err);
        }
    }
    // Windows caps this structure at 8 KiB; the size it asks for is bounded to that and more.
    let size = (needed as usize).clamp(std::mem::size_of::<QUERY_SERVICE_CONFIGW>(), 64 * 1024);
    let mut buf = AlignedBuf::new(size);
    // SAFETY: the buffer is ours, 8-aligned (QUERY_SERVICE_CONFIGW holds pointers) and at
    // least the size Windows asked for; its byte length is passed.
    let ok = unsafe {
        QueryServiceConfigW(
            service.0,
            buf.as_mut_ptr().cast(),
            buf.len_bytes() as u32,
            &mut needed,
        )
    };
    if ok == 0 {
        return Err(last_error());
    }
    let c = &buf
        .structs::<QUERY_SERVICE_CONFIGW>(1)
        .ok_or(ERROR_INSUFFICIENT_BUFFER)?[0];
    Ok(RawConfig {
        start_type: c.dwStartType,
        binary_path: string_in(buf.bytes(), c.lpBinaryPathName),
        dependencies: string_list_in(buf.bytes(), c.lpDependencies),
        start_name: string_in(buf.bytes(), c.lpServiceStartName),
    })
}

/// Whether an automatic service starts delayed (`AUTO_START (DELAYED)`).
pub fn query_delayed_auto_start(service: &ScHandle) -> Result<bool, Code> {
    let mut info = SERVICE_DELAYED_AUTO_START_INFO {
        fDelayedAutostart: 0,
    };
    let mut needed: u32 = 0;
    // SAFETY: the structure is ours and its exact size is passed.
    let ok = unsafe {
        QueryServiceConfig2W(
            service.0,
            SERVICE_CONFIG_DELAYED_AUTO_START_INFO,
            (&mut info as *mut SERVICE_DELAYED_AUTO_START_INFO).cast(),
            std::mem::size_of::<SERVICE_DELAYED_AUTO_START_INFO>() as u32,
            &mut needed,
        )
    };
    if ok == 0 {
        Err(last_error())
    } else {
        Ok(info.fDelayedAutostart != 0)
    }
}

pub fn query_service_status(service: &ScHandle) -> Result<RawStatus, Code> {
    let mut status = AlignedBuf::new(std::mem::size_of::<SERVICE_STATUS_PROCESS>());
    let mut needed: u32 = 0;
    // SAFETY: the buffer is ours, aligned and at least one SERVICE_STATUS_PROCESS long.
    let ok = unsafe {
        QueryServiceStatusEx(
            service.0,
            SC_STATUS_PROCESS_INFO,
            status.as_mut_ptr(),
            status.len_bytes() as u32,
            &mut needed,
        )
    };
    if ok == 0 {
        return Err(last_error());
    }
    let s = &status
        .structs::<SERVICE_STATUS_PROCESS>(1)
        .ok_or(ERROR_INSUFFICIENT_BUFFER)?[0];
    Ok(RawStatus::from(s))
}

/// Sends `SERVICE_CONTROL_STOP`; the service answers with its new state (usually pending).
pub fn control_stop(service: &ScHandle) -> Result<u32, Code> {
    let mut status = SERVICE_STATUS {
        dwServiceType: 0,
        dwCurrentState: 0,
        dwControlsAccepted: 0,
        dwWin32ExitCode: 0,
        dwServiceSpecificExitCode: 0,
        dwCheckPoint: 0,
        dwWaitHint: 0,
    };
    // SAFETY: the handle is open and the status structure is ours.
    let ok = unsafe { ControlService(service.0, SERVICE_CONTROL_STOP, &mut status) };
    if ok == 0 {
        Err(last_error())
    } else {
        Ok(status.dwCurrentState)
    }
}

/// Changes only the start type (`SERVICE_NO_CHANGE` and null for everything else).
pub fn change_start_type(service: &ScHandle, start_type: u32) -> Result<(), Code> {
    // SAFETY: the handle is open; null strings and null tag mean "leave unchanged".
    let ok = unsafe {
        ChangeServiceConfigW(
            service.0,
            SERVICE_NO_CHANGE,
            start_type,
            SERVICE_NO_CHANGE,
            null(),
            null(),
            null_mut(),
            null(),
            null(),
            null(),
            null(),
        )
    };
    if ok == 0 {
        Err(last_error())
    } else {
        Ok(())
    }
}

/// The services that depend on this one (directly or not) and are active: (name, display
/// name, state).
pub fn active_dependents(service: &ScHandle) -> Result<Vec<(String, String, u32)>, Code> {
    let mut needed: u32 = 0;
    let mut returned: u32 = 0;
    let mut buf = AlignedBuf::new(16 * 1024);
    for _ in 0..4 {
        // SAFETY: the buffer is ours, 8-aligned, its byte length passed; out-params valid.
        let ok = unsafe {
            EnumDependentServicesW(
                service.0,
                SERVICE_ACTIVE,
                buf.as_mut_ptr().cast(),
                buf.len_bytes() as u32,
                &mut needed,
                &mut returned,
            )
        };
        if ok != 0 {
            let entries = buf
                .structs::<ENUM_SERVICE_STATUSW>(returned as usize)
                .ok_or(ERROR_INSUFFICIENT_BUFFER)?;
            return Ok(entries
                .iter()
                .map(|e| {
                    (
                        string_in(buf.bytes(), e.lpServiceName),
                        string_in(buf.bytes(), e.lpDisplayName),
                        e.ServiceStatus.dwCurrentState,
                    )
                })
                .collect());
        }
        let err = last_error();
        if err != ERROR_MORE_DATA {
            return Err(err);
        }
        buf = AlignedBuf::new((needed as usize).clamp(buf.len_bytes() * 2, 4 << 20));
    }
    Err(ERROR_MORE_DATA)
}

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

pub fn open_process(pid: u32, access: u32) -> Result<Handle, Code> {
    // SAFETY: OpenProcess takes plain values and returns a new handle or null.
    let h = unsafe { OpenProcess(access, 0, pid) };
    if h.is_null() {
        Err(last_error())
    } else {
        Ok(Handle(h))
    }
}

/// `C:\Program Files\x\app.exe`: the Win32 path of the process's image.
pub fn process_image_path(process: &Handle) -> Result<String, Code> {
    // The longest path Windows allows (32,767 units), so one call always suffices.
    let mut buf = vec![0u16; 32_768];
    let mut len = buf.len() as u32;
    // SAFETY: the buffer is ours and `len` holds its size in units; Windows writes at most
    // that many and puts the written length (without the NUL) back into `len`.
    let ok = unsafe {
        QueryFullProcessImageNameW(process.0, PROCESS_NAME_WIN32, buf.as_mut_ptr(), &mut len)
    };
    if ok == 0 {
        return Err(last_error());
    }
    Ok(String::from_utf16_lossy(
        &buf[..(len as usize).min(buf.len())],
    ))
}

/// The process's creation time as a FILETIME: 100 ns units since 1601-01-01 UTC.
pub fn process_creation_time(process: &Handle) -> Result<u64, Code> {
    let zero = FILETIME {
        dwLowDateTime: 0,
        dwHighDateTime: 0,
    };
    let (mut created, mut exited, mut kernel, mut user) = (zero, zero, zero, zero);
    // SAFETY: the handle is open and the four FILETIMEs are ours.
    let ok =
        unsafe { GetProcessTimes(process.0, &mut created, &mut exited, &mut kernel, &mut user) };
    if ok == 0 {
        return Err(last_error());
    }
    Ok((u64::from(created.dwHighDateTime) << 32) | u64::from(created.dwLowDateTime))
}

/// Waits up to `ms` for the process to exit: `Ok(true)` when it has.
pub fn wait_for_exit(process: &Handle, ms: u32) -> Result<bool, Code> {
    // SAFETY: the handle is open (with SYNCHRONIZE, which the caller asked for).
    match unsafe { WaitForSingleObject(process.0, ms) } {
        WAIT_OBJECT_0 => Ok(true),
        WAIT_TIMEOUT => Ok(false),
        WAIT_FAILED => Err(last_error()),
        other => Err(other),
    }
}

pub fn terminate(process: &Handle, exit_code: u32) -> Result<(), Code> {
    // SAFETY: the handle is open (with PROCESS_TERMINATE, which the caller asked for).
    let ok = unsafe { TerminateProcess(process.0, exit_code) };
    if ok == 0 {
        Err(last_error())
    } else {
        Ok(())
    }
}

/// The exit code, or `STILL_ACTIVE` (259) while it runs.
pub fn exit_code(process: &Handle) -> Result<u32, Code> {
    let mut code: u32 = 0;
    // SAFETY: the handle is open and `code` is ours.
    let ok = unsafe { GetExitCodeProcess(process.0, &mut code) };
    if ok == 0 {
        Err(last_error())
    } else {
        Ok(code)
    }
}

/// Whether this process's token is elevated (`TokenElevation`).
pub fn token_is_elevated() -> Result<bool, Code> {
    let mut token: HANDLE = null_mut();
    // SAFETY: GetCurrentProcess returns a pseudo-handle that needs no closing; `token` is
    // ours and receives a new handle, owned by `Handle` below.
    let ok = unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) };
    if ok == 0 {
        return Err(last_error());
    }
    let token = Handle(token);
    let mut elevation = TOKEN_ELEVATION { TokenIsElevated: 0 };
    let mut len: u32 = 0;
    // SAFETY: the token handle is open with TOKEN_QUERY; the structure and its exact size
    // are passed.
    let ok = unsafe {
        GetTokenInformation(
            token.0,
            TokenElevation,
            (&mut elevation as *mut TOKEN_ELEVATION).cast(),
            std::mem::size_of::<TOKEN_ELEVATION>() as u32,
            &mut len,
        )
    };
    if ok == 0 {
        Err(last_error())
    } else {
        Ok(elevation.TokenIsElevated != 0)
    }
}

/// The top-level windows of `pid` that no other window owns (main windows, not dialogs).
pub fn top_level_windows(pid: u32) -> Vec<isize> {
    struct Search {
        pid: u32,
        found: Vec<isize>,
    }
    unsafe extern "system" fn visit(hwnd: HWND, lparam: LPARAM) -> windows_sys::core::BOOL {
        // SAFETY: `lparam` is the address of the `Search` that `top_level_windows` passed to
        // EnumWindows, alive and not otherwise borrowed for the whole enumeration.
        let search = unsafe { &mut *(lparam as *mut Search) };
        let mut owner_pid: u32 = 0;
        // SAFETY: `hwnd` is a window Windows is enumerating; `owner_pid` is ours.
        unsafe { GetWindowThreadProcessId(hwnd, &mut owner_pid) };
        // SAFETY: as above; GetWindow only reads the window's owner.
        if owner_pid == search.pid && unsafe { GetWindow(hwnd, GW_OWNER) }.is_null() {
            search.found.push(hwnd as isize);
        }
        1
    }
    let mut search = Search {
        pid,
        found: Vec::new(),
    };
    // SAFETY: `visit` matches WNDENUMPROC and only touches `search` through `lparam`, which
    // lives until EnumWindows returns.
    unsafe { EnumWindows(Some(visit), &mut search as *mut Search as LPARAM) };
    search.found
}

/// Posts `WM_CLOSE` to `hwnd` if it still belongs to `pid` (window handles are reused too).
pub fn post_close(hwnd: isize, pid: u32) -> Result<bool, Code> {
    let hwnd = hwnd as HWND;
    let mut owner_pid: u32 = 0;
    // SAFETY: any value may be passed as a window handle; a stale one makes the call fail
    // (owner 0), it does not read memory through it.
    unsafe { GetWindowThreadProcessId(hwnd, &mut owner_pid) };
    if owner_pid != pid {
        return Ok(false);
    }
    // SAFETY: as above; PostMessageW queues the message and returns.
    let ok = unsafe { PostMessageW(hwnd, WM_CLOSE, 0, 0) };
    if ok == 0 {
        Err(last_error())
    } else {
        Ok(true)
    }
}

/// Starts `application` (a full path) with `command_line` (its argv[0] first), no shell, no
/// inherited handles. Returns the process handle and PID; the thread handle is closed.
pub fn create_process(application: &str, command_line: &str) -> Result<(Handle, u32), Code> {
    let application = wide(application)?;
    // CreateProcessW may write into the command line, so it gets its own mutable copy.
    let mut command_line = wide(command_line)?;
    // SAFETY: STARTUPINFOW is plain data; all-zero is its documented "defaults" value, with
    // `cb` set below.
    let mut startup: STARTUPINFOW = unsafe { std::mem::zeroed() };
    startup.cb = std::mem::size_of::<STARTUPINFOW>() as u32;
    // SAFETY: PROCESS_INFORMATION is plain data, filled by CreateProcessW.
    let mut info: PROCESS_INFORMATION = unsafe { std::mem::zeroed() };
    // SAFETY: both strings are NUL-terminated and outlive the call, the command line is
    // writable; null attributes, environment and directory mean the caller's defaults.
    let ok = unsafe {
        CreateProcessW(
            application.as_ptr(),
            command_line.as_mut_ptr(),
            null(),
            null(),
            0,
            0,
            null(),
            null(),
            &startup,
            &mut info,
        )
    };
    if ok == 0 {
        return Err(last_error());
    }
    drop(Handle(info.hThread));
    Ok((Handle(info.hProcess), info.dwProcessId))
}

/// What `CommandLineToArgvW` makes of `line`: the reference the pure splitter is checked
/// against under Wine.
pub fn command_line_to_argv(line: &str) -> Result<Vec<String>, Code> {
    let line = wide(line)?;
    let mut count: i32 = 0;
    // SAFETY: `line` is NUL-terminated; Windows returns one LocalAlloc'ed block holding
    // `count` pointers to NUL-terminated strings, freed below.
    let argv = unsafe { CommandLineToArgvW(line.as_ptr(), &mut count) };
    if argv.is_null() {
        return Err(last_error());
    }
    let mut out = Vec::new();
    for i in 0..usize::try_from(count).unwrap_or(0) {
        // SAFETY: `i < count`, so `argv.add(i)` is within the array Windows returned.
        let arg = unsafe { *argv.add(i) };
        let mut len = 0usize;
        // SAFETY: each entry is a NUL-terminated string inside the same block; the loop stops
        // at its NUL.
        while unsafe { *arg.add(len) } != 0 {
            len += 1;
        }
        // SAFETY: `len` units before the NUL were just read and are initialised.
        out.push(String::from_utf16_lossy(unsafe {
            std::slice::from_raw_parts(arg, len)
        }));
    }
    // SAFETY: the block came from CommandLineToArgvW, which documents LocalFree for it, and
    // nothing points into it any more.
    unsafe { LocalFree(argv.cast()) };
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Version resources, code pages, environment, folders
// ---------------------------------------------------------------------------------------------

/// The version resource of the file at `path`: the whole block, and the language/code-page
/// pairs its `\VarFileInfo\Translation` lists. `Ok(None)` when the file has none.
pub struct VersionBlock {
    buf: AlignedBuf,
}

pub fn file_version_block(path: &str) -> Result<Option<VersionBlock>, Code> {
    let path = wide(path)?;
    let mut ignored: u32 = 0;
    // SAFETY: `path` is NUL-terminated; the out-parameter is ours.
    let size = unsafe { GetFileVersionInfoSizeW(path.as_ptr(), &mut ignored) };
    if size == 0 {
        let err = last_error();
        // ERROR_RESOURCE_DATA_NOT_FOUND, ERROR_RESOURCE_TYPE_NOT_FOUND: no version resource.
        return if matches!(err, 1812 | 1813) {
            Ok(None)
        } else {
            Err(err)
        };
    }
    let mut buf = AlignedBuf::new(size as usize);
    // SAFETY: the buffer is ours and at least `size` bytes long, as Windows asked.
    let ok = unsafe { GetFileVersionInfoW(path.as_ptr(), 0, size, buf.as_mut_ptr().cast()) };
    if ok == 0 {
        return Err(last_error());
    }
    Ok(Some(VersionBlock { buf }))
}

impl VersionBlock {
    /// `VerQueryValueW(block, sub_block)`: the bytes from the value to the end of the block
    /// (found by offset, so they are read safely) and the length Windows gave, which counts
    /// bytes for binary values and UTF-16 units for strings.
    fn query(&self, sub_block: &str) -> Option<(&[u8], usize)> {
        let sub = wide(sub_block).ok()?;
        let bytes = self.buf.bytes();
        let mut ptr: *mut c_void = null_mut();
        let mut len: u32 = 0;
        // SAFETY: the block is the one GetFileVersionInfoW filled; VerQueryValueW only reads
        // it and returns a pointer into it, with the value's length.
        let ok = unsafe { VerQueryValueW(bytes.as_ptr().cast(), sub.as_ptr(), &mut ptr, &mut len) };
        if ok == 0 || ptr.is_null() {
            return None;
        }
        let offset = (ptr as usize).checked_sub(bytes.as_ptr() as usize)?;
        Some((bytes.get(offset..)?, len as usize))
    }

    /// A binary value: its `len` bytes, cut at the block's end.
    fn binary(&self, sub_block: &str) -> Option<&[u8]> {
        let (rest, len) = self.query(sub_block)?;
        Some(&rest[..len.min(rest.len())])
    }

    /// The (language, code page) pairs of the block's string tables.
    pub fn translations(&self) -> Vec<(u16, u16)> {
        self.binary("\\VarFileInfo\\Translation")
            .map(|b| {
                b.chunks_exact(4)
                    .map(|c| {
                        (
                            u16::from_le_bytes([c[0], c[1]]),
                            u16::from_le_bytes([c[2], c[3]]),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A string such as `ProductName` from the table for `(language, code page)`: up to its
    /// NUL, at most the length Windows gave, never past the block.
    pub fn string(&self, language: u16, code_page: u16, name: &str) -> Option<String> {
        let (rest, len) = self.query(&format!(
            "\\StringFileInfo\\{language:04x}{code_page:04x}\\{name}"
        ))?;
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .take(len)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .take_while(|&u| u != 0)
            .collect();
        Some(String::from_utf16_lossy(&units))
    }

    /// `VS_FIXEDFILEINFO`'s product and file versions as (MS, LS) pairs.
    pub fn fixed_versions(&self) -> Option<((u32, u32), (u32, u32))> {
        let b = self.binary("\\")?;
        let u32_at = |at: usize| Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?));
        if u32_at(0)? != 0xFEEF_04BD {
            return None;
        }
        Some(((u32_at(16)?, u32_at(20)?), (u32_at(8)?, u32_at(12)?)))
    }
}

/// The system's OEM code page: what a new console, and so a console tool's output, uses.
pub fn oem_code_page() -> u32 {
    // SAFETY: GetOEMCP takes nothing and returns a number.
    unsafe { GetOEMCP() }
}

/// Decodes `bytes` from `code_page` with `MultiByteToWideChar` (invalid bytes become U+FFFD).
pub fn decode_code_page(code_page: u32, bytes: &[u8]) -> Result<String, Code> {
    if bytes.is_empty() {
        return Ok(String::new());
    }
    let len = i32::try_from(bytes.len()).map_err(|_| ERROR_INSUFFICIENT_BUFFER)?;
    // SAFETY: the input slice and its length are passed; a null output asks for the size.
    let needed = unsafe { MultiByteToWideChar(code_page, 0, bytes.as_ptr(), len, null_mut(), 0) };
    if needed <= 0 {
        return Err(last_error());
    }
    let mut out = vec![0u16; needed as usize];
    // SAFETY: the output buffer is ours and `needed` units long, as Windows said it needs.
    let written =
        unsafe { MultiByteToWideChar(code_page, 0, bytes.as_ptr(), len, out.as_mut_ptr(), needed) };
    if written <= 0 {
        return Err(last_error());
    }
    Ok(String::from_utf16_lossy(&out[..written as usize]))
}

/// Console output decoded with the OEM code page; falls back to lossy UTF-8 if Windows cannot.
pub fn decode_oem(bytes: &[u8]) -> String {
    decode_code_page(oem_code_page(), bytes)
        .unwrap_or_else(|_| String::from_utf8_lossy(bytes).into_owned())
}

/// `%SystemRoot%\x` → `C:\Windows\x`, by Windows' own rules (REG_EXPAND_SZ values).
pub fn expand_environment_strings(text: &str) -> Result<String, Code> {
    let src = wide(text)?;
    let mut size: u32 = 1024;
    for _ in 0..4 {
        let mut buf = vec![0u16; size as usize];
        // SAFETY: `src` is NUL-terminated; the buffer is ours and `size` units long.
        let needed = unsafe { ExpandEnvironmentStringsW(src.as_ptr(), buf.as_mut_ptr(), size) };
        if needed == 0 {
            return Err(last_error());
        }
        if needed <= size {
            let end = buf.iter().position(|&u| u == 0).unwrap_or(buf.len());
            return Ok(String::from_utf16_lossy(&buf[..end]));
        }
        size = needed.min(1 << 20);
    }
    Err(ERROR_INSUFFICIENT_BUFFER)
}

/// `C:\Windows\System32`.
pub fn system_directory() -> Result<PathBuf, Code> {
    let mut buf = vec![0u16; 1024];
    // SAFETY: the buffer is ours and its length in units is passed.
    let len = unsafe { GetSystemDirectoryW(buf.as_mut_ptr(), buf.len() as u32) } as usize;
    if len == 0 || len >= buf.len() {
        return Err(last_error());
    }
    Ok(PathBuf::from(String::from_utf16_lossy(&buf[..len])))
}

/// Resets the IPv4 TCP connection with these ends (`SetTcpEntry`, state `DELETE_TCB`).
/// Addresses and ports go in network byte order, as the TCP table gives them.
pub fn delete_tcp_entry(
    local: std::net::Ipv4Addr,
    local_port: u16,
    remote: std::net::Ipv4Addr,
    remote_port: u16,
) -> Result<(), Code> {
    let row = MIB_TCPROW_LH {
        Anonymous: MIB_TCPROW_LH_0 {
            State: MIB_TCP_STATE_DELETE_TCB,
        },
        dwLocalAddr: u32::from_ne_bytes(local.octets()),
        dwLocalPort: u32::from(local_port.to_be()),
        dwRemoteAddr: u32::from_ne_bytes(remote.octets()),
        dwRemotePort: u32::from(remote_port.to_be()),
    };
    // SAFETY: `row` is a fully initialised MIB_TCPROW that lives across the call; SetTcpEntry
    // only reads it.
    match unsafe { SetTcpEntry(&row) } {
        0 => Ok(()),
        code => Err(code),
    }
}

//! What the operating system's tools and files print, read by pure functions. They are tested
//! against captured fixtures on every OS, so a Windows parser is checked on Linux too.

pub mod cmdline;
pub mod macos_text;
pub mod pe_version;
pub mod procfs;
pub mod windows_text;

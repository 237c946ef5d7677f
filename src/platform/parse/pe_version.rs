//! Reads the product name, company and version a Windows executable carries in its version
//! resource (what Explorer shows under Properties › Details), so that a socket holder no rule
//! knows can still be named: "Contoso MailGuard 7.1.2.0 by Contoso Test Labs".
//!
//! The Windows scanner asks `GetFileVersionInfoW` first (`platform::windows::process`); this
//! reader parses the PE file's bytes itself where Windows cannot read the file, and lets a
//! snapshot's executables be read on any OS. It is pure (bytes in, strings out), compiled and tested on every OS against the
//! executables in `tests/fixtures/windows/`. An executable is untrusted input: every offset is
//! bounds-checked, every loop is bounded, and a malformed file gives `None`, never a panic.
//!
//! The layouts are Microsoft's: the PE format specification (DOS header, PE header, optional
//! header, section table, resource directory) and the `VS_VERSIONINFO`, `StringFileInfo`,
//! `StringTable` and `String` structures, each a node with a length, a UTF-16LE key, a value
//! and children, aligned on 32-bit boundaries.

use crate::engine::snapshot::VersionInfo;
use std::io::Read;
use std::ops::Range;
use std::path::Path;

/// Version resources sit near the end of the file; larger executables go unread rather than
/// making a scan read hundreds of megabytes.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// `IMAGE_DIRECTORY_ENTRY_RESOURCE`: the resource table's index in the data directories.
const RESOURCE_DIRECTORY_INDEX: usize = 2;
/// `RT_VERSION`: the resource type that holds `VS_VERSIONINFO`.
const RT_VERSION: u32 = 16;
/// The high bit of a resource directory entry's target: it is another directory.
const SUBDIRECTORY: u32 = 0x8000_0000;
const SECTION_HEADER_SIZE: usize = 40;
/// `VS_FIXEDFILEINFO.dwSignature`.
const FIXED_FILE_INFO_SIGNATURE: u32 = 0xFEEF_04BD;
const FIXED_FILE_INFO_SIZE: usize = 52;
/// `wType` of a version node whose value is text (its `wValueLength` counts UTF-16 units).
const TEXT_VALUE: u16 = 1;

/// Reads the version resource of the executable at `path`, looking at its first 64 MiB only.
/// `None` when the file cannot be read, is not a PE file, or names no product.
pub fn read_version_info_file(path: &Path) -> Option<VersionInfo> {
    let file = std::fs::File::open(path).ok()?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES).read_to_end(&mut bytes).ok()?;
    read_version_info(&bytes)
}

/// Reads the version resource of a PE32 or PE32+ file: the first `RT_VERSION` resource's first
/// language, and in it the first string table's `ProductName` (or `FileDescription`),
/// `CompanyName` and `ProductVersion` (or `FileVersion`, or the fixed product version numbers).
///
/// `None` when the bytes are not a PE file, carry no version resource, or the resource names no
/// product: a [`VersionInfo`] always has a product name, since that is what reports show.
pub fn read_version_info(bytes: &[u8]) -> Option<VersionInfo> {
    let image = Image::parse(bytes)?;
    parse_version_resource(image.version_resource()?)
}

// ---------------------------------------------------------------------------------------------
// The PE file: headers, sections, resource directory
// ---------------------------------------------------------------------------------------------

/// The parts of a PE file needed to find its resources.
struct Image<'a> {
    bytes: &'a [u8],
    /// The section table, `SECTION_HEADER_SIZE` bytes per section.
    sections: &'a [u8],
    resource_rva: u32,
}

impl<'a> Image<'a> {
    fn parse(bytes: &'a [u8]) -> Option<Self> {
        if bytes.get(..2)? != b"MZ" {
            return None;
        }
        let pe = usize_at(bytes, 0x3C)?;
        if bytes.get(pe..pe.checked_add(4)?)? != b"PE\0\0" {
            return None;
        }
        let coff = pe.checked_add(4)?;
        let section_count = usize::from(u16_at(bytes, coff.checked_add(2)?)?);
        let optional_size = usize::from(u16_at(bytes, coff.checked_add(16)?)?);
        let optional_start = coff.checked_add(20)?;
        let optional_end = optional_start.checked_add(optional_size)?;
        let optional = bytes.get(optional_start..optional_end)?;
        // `NumberOfRvaAndSizes` and the data directories follow the fields whose width differs
        // between PE32 and PE32+.
        let (count_at, directories_at) = match u16_at(optional, 0)? {
            0x10B => (92, 96),
            0x20B => (108, 112),
            _ => return None,
        };
        if usize_at(optional, count_at)? <= RESOURCE_DIRECTORY_INDEX {
            return None;
        }
        let resource_rva = u32_at(optional, directories_at + 8 * RESOURCE_DIRECTORY_INDEX)?;
        if resource_rva == 0 {
            return None;
        }
        let sections_len = section_count.checked_mul(SECTION_HEADER_SIZE)?;
        let sections = bytes.get(optional_end..optional_end.checked_add(sections_len)?)?;
        Some(Self {
            bytes,
            sections,
            resource_rva,
        })
    }

    /// The file's bytes from the relative virtual address `rva` to the end of the section
    /// holding it, as far as the file has them.
    fn at_rva(&self, rva: u32) -> Option<&'a [u8]> {
        for section in self.sections.chunks_exact(SECTION_HEADER_SIZE) {
            let virtual_size = u32_at(section, 8)?;
            let virtual_address = u32_at(section, 12)?;
            let raw_size = u32_at(section, 16)?;
            let raw_offset = u32_at(section, 20)?;
            // Past the raw data the loader fills zeros, and past the virtual size is padding:
            // only what lies within both is the section's content in the file.
            let span = if virtual_size == 0 {
                raw_size
            } else {
                virtual_size.min(raw_size)
            };
            let Some(delta) = rva.checked_sub(virtual_address) else {
                continue;
            };
            if delta >= span {
                continue;
            }
            let start = to_usize(raw_offset.checked_add(delta)?)?;
            let end = to_usize(raw_offset.checked_add(span)?)?.min(self.bytes.len());
            return self.bytes.get(start..end);
        }
        None
    }

    /// The bytes of the first language of the first `RT_VERSION` resource.
    ///
    /// The resource tree has three levels (type, name, language); the offsets of its
    /// directories are relative to the start of the resource table, the data it points to is
    /// given by RVA.
    fn version_resource(&self) -> Option<&'a [u8]> {
        let table = self.at_rva(self.resource_rva)?;
        let (_, version_type) = (0..entry_count(table, 0)?)
            .map_while(|i| directory_entry(table, 0, i))
            .find(|&(id, _)| id == RT_VERSION)?;
        let names = subdirectory(version_type)?;
        let languages = subdirectory(first_entry(table, names)?.1)?;
        let data = first_entry(table, languages)?.1;
        if data & SUBDIRECTORY != 0 {
            return None;
        }
        // IMAGE_RESOURCE_DATA_ENTRY: OffsetToData (an RVA), Size, CodePage, Reserved.
        let data = to_usize(data)?;
        let rva = u32_at(table, data)?;
        let size = usize_at(table, data.checked_add(4)?)?;
        self.at_rva(rva)?.get(..size)
    }
}

/// How many entries (named, then numbered) the resource directory at `dir` has.
fn entry_count(table: &[u8], dir: usize) -> Option<usize> {
    let named = usize::from(u16_at(table, dir.checked_add(12)?)?);
    let numbered = usize::from(u16_at(table, dir.checked_add(14)?)?);
    named.checked_add(numbered)
}

/// The `index`th entry of the resource directory at `dir`: its name or ID, and its target.
fn directory_entry(table: &[u8], dir: usize, index: usize) -> Option<(u32, u32)> {
    let at = dir.checked_add(16)?.checked_add(index.checked_mul(8)?)?;
    Some((u32_at(table, at)?, u32_at(table, at.checked_add(4)?)?))
}

fn first_entry(table: &[u8], dir: usize) -> Option<(u32, u32)> {
    if entry_count(table, dir)? == 0 {
        return None;
    }
    directory_entry(table, dir, 0)
}

/// Where a directory entry's subdirectory starts, if its target is one.
fn subdirectory(target: u32) -> Option<usize> {
    if target & SUBDIRECTORY == 0 {
        return None;
    }
    to_usize(target & !SUBDIRECTORY)
}

// ---------------------------------------------------------------------------------------------
// The version resource: VS_VERSIONINFO › StringFileInfo › StringTable › String
// ---------------------------------------------------------------------------------------------

/// One node of the version resource. Every structure in it has the same layout: `wLength`,
/// `wValueLength`, `wType`, a NUL-terminated UTF-16LE `szKey`, padding to 32 bits, the value,
/// padding to 32 bits, and the children up to `wLength`.
struct Node<'a> {
    /// `wLength`, at least the 6 bytes of the three lengths, so that walking always advances.
    length: usize,
    key: String,
    /// The value as `wValueLength` and `wType` give it, cut at the node's end.
    value: &'a [u8],
    /// From the value to the node's end: text is read to its NUL from here, since some
    /// compilers count `wValueLength` in bytes and others in characters.
    value_to_end: &'a [u8],
    /// Where the children lie, as offsets into the resource.
    children: Range<usize>,
}

/// Reads the node at `at`, cut at `limit` (its parent's end). Offsets are relative to the start
/// of the resource, which is 32-bit aligned, so aligning them aligns the structures.
fn node(resource: &[u8], at: usize, limit: usize) -> Option<Node<'_>> {
    let length = usize::from(u16_at(resource, at)?);
    let value_length = usize::from(u16_at(resource, at.checked_add(2)?)?);
    let value_type = u16_at(resource, at.checked_add(4)?)?;
    if length < 6 {
        return None;
    }
    let end = at.checked_add(length)?.min(limit).min(resource.len());
    let key_start = at.checked_add(6)?;
    let (key, nul) = utf16_to_nul(resource.get(key_start..end)?);
    let key_end = key_start.checked_add(nul?.checked_mul(2)?.checked_add(2)?)?;
    let value_start = align4(key_end)?.min(end);
    let value_bytes = if value_type == TEXT_VALUE {
        value_length.checked_mul(2)?
    } else {
        value_length
    };
    let value_end = value_start.checked_add(value_bytes)?.min(end);
    Some(Node {
        length,
        key: String::from_utf16_lossy(&key),
        value: resource.get(value_start..value_end)?,
        value_to_end: resource.get(value_start..end)?,
        children: align4(value_end)?.min(end)..end,
    })
}

/// The nodes in `range`, one after another at 32-bit boundaries; stops at the first that
/// cannot be read.
fn children(resource: &[u8], range: Range<usize>) -> impl Iterator<Item = Node<'_>> {
    let mut next = Some(range.start);
    std::iter::from_fn(move || {
        let at = align4(next.take()?)?;
        if at >= range.end {
            return None;
        }
        let child = node(resource, at, range.end)?;
        next = at.checked_add(child.length);
        Some(child)
    })
}

fn parse_version_resource(resource: &[u8]) -> Option<VersionInfo> {
    let root = node(resource, 0, resource.len())?;
    if root.key != "VS_VERSION_INFO" {
        return None;
    }
    let strings: Vec<(String, String)> = children(resource, root.children.clone())
        .find(|n| n.key == "StringFileInfo")
        .and_then(|file_info| children(resource, file_info.children).next())
        .map(|table| {
            children(resource, table.children)
                .map(|s| (s.key, text_value(s.value_to_end)))
                .collect()
        })
        .unwrap_or_default();
    let string = |key: &str| {
        strings
            .iter()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.clone())
    };
    let product_name = string("ProductName").or_else(|| string("FileDescription"))?;
    let version = string("ProductVersion")
        .or_else(|| string("FileVersion"))
        .or_else(|| fixed_product_version(root.value))
        .unwrap_or_default();
    Some(VersionInfo {
        product_name,
        company: string("CompanyName").unwrap_or_default(),
        version,
    })
}

/// `VS_FIXEDFILEINFO`'s product version as `major.minor.build.revision`; `None` when absent
/// or all zeros.
fn fixed_product_version(value: &[u8]) -> Option<String> {
    if value.len() < FIXED_FILE_INFO_SIZE || u32_at(value, 0)? != FIXED_FILE_INFO_SIGNATURE {
        return None;
    }
    let high = u32_at(value, 16)?;
    let low = u32_at(value, 20)?;
    if high == 0 && low == 0 {
        return None;
    }
    Some(format!(
        "{}.{}.{}.{}",
        high >> 16,
        high & 0xFFFF,
        low >> 16,
        low & 0xFFFF
    ))
}

/// A `String` node's text: UTF-16LE up to its NUL, without surrounding blanks.
fn text_value(bytes: &[u8]) -> String {
    let (units, _) = utf16_to_nul(bytes);
    String::from_utf16_lossy(&units).trim().to_owned()
}

// ---------------------------------------------------------------------------------------------
// Bounds-checked little-endian reads
// ---------------------------------------------------------------------------------------------

/// The UTF-16LE units of `bytes` before the first NUL, and the NUL's index in units if there
/// is one.
fn utf16_to_nul(bytes: &[u8]) -> (Vec<u16>, Option<usize>) {
    let mut units = Vec::new();
    for pair in bytes.chunks_exact(2) {
        let unit = u16::from_le_bytes([pair[0], pair[1]]);
        if unit == 0 {
            let nul = units.len();
            return (units, Some(nul));
        }
        units.push(unit);
    }
    (units, None)
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    let raw = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes(raw.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let raw = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(raw.try_into().ok()?))
}

fn usize_at(bytes: &[u8], at: usize) -> Option<usize> {
    to_usize(u32_at(bytes, at)?)
}

fn to_usize(n: u32) -> Option<usize> {
    usize::try_from(n).ok()
}

fn align4(offset: usize) -> Option<usize> {
    Some(offset.checked_add(3)? & !3)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VERSIONED: &[u8] = include_bytes!("../../../tests/fixtures/windows/versioned.exe");
    const VERSIONED_32: &[u8] = include_bytes!("../../../tests/fixtures/windows/versioned32.exe");
    const UNVERSIONED: &[u8] = include_bytes!("../../../tests/fixtures/windows/unversioned.exe");

    fn mail_guard(version: &str) -> VersionInfo {
        VersionInfo {
            product_name: "Contoso MailGuard".into(),
            company: "Contoso Test Labs".into(),
            version: version.into(),
        }
    }

    fn utf16(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    /// Where `needle` first occurs in `haystack` at or after `from`.
    fn find(haystack: &[u8], needle: &[u8], from: usize) -> usize {
        haystack[from..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|i| i + from)
            .expect("the fixture holds the text")
    }

    /// Overwrites the first `old` at or after `from` with `new`, of the same length.
    fn patch(bytes: &mut [u8], old: &str, new: &str, from: usize) {
        let (old, new) = (utf16(old), utf16(new));
        assert_eq!(old.len(), new.len());
        let at = find(bytes, &old, from);
        bytes[at..at + new.len()].copy_from_slice(&new);
    }

    /// Hides a string from the parser by changing its key's last letter.
    fn hide(bytes: &mut [u8], key: &str) {
        let renamed = format!("{}X", &key[..key.len() - 1]);
        patch(bytes, key, &renamed, 0);
    }

    #[test]
    fn a_64_bit_executable_names_its_product_company_and_version() {
        assert_eq!(read_version_info(VERSIONED), Some(mail_guard("7.1.2.0")));
    }

    #[test]
    fn a_32_bit_executable_names_its_product_company_and_version() {
        assert_eq!(read_version_info(VERSIONED_32), Some(mail_guard("7.1.2.0")));
    }

    #[test]
    fn executables_are_read_from_disk() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/windows");
        assert_eq!(
            read_version_info_file(&dir.join("versioned.exe")),
            Some(mail_guard("7.1.2.0"))
        );
        assert_eq!(read_version_info_file(&dir.join("missing.exe")), None);
    }

    #[test]
    fn an_executable_without_a_version_resource_names_nothing() {
        assert_eq!(read_version_info(UNVERSIONED), None);
    }

    #[test]
    fn files_that_are_not_executables_name_nothing() {
        assert_eq!(read_version_info(b""), None);
        assert_eq!(read_version_info(b"MZ"), None);
        assert_eq!(read_version_info(b"#!/bin/sh\necho hello\n"), None);
        // A DOS stub whose PE header offset points past the end.
        let mut dos = VERSIONED[..0x40].to_vec();
        dos[0x3C..0x40].copy_from_slice(&0xFFFF_FFF0_u32.to_le_bytes());
        assert_eq!(read_version_info(&dos), None);
    }

    #[test]
    fn the_file_version_stands_in_for_a_missing_product_version() {
        let mut bytes = VERSIONED.to_vec();
        let file_version = find(&bytes, &utf16("FileVersion"), 0);
        patch(&mut bytes, "7.1.2.0", "7.1.2.9", file_version);
        hide(&mut bytes, "ProductVersion");
        assert_eq!(read_version_info(&bytes), Some(mail_guard("7.1.2.9")));
    }

    #[test]
    fn the_fixed_product_version_stands_in_for_missing_version_strings() {
        let mut bytes = VERSIONED.to_vec();
        hide(&mut bytes, "ProductVersion");
        hide(&mut bytes, "FileVersion");
        // VS_FIXEDFILEINFO: dwProductVersionLS is 20 bytes after the signature; 2.0 becomes 2.5.
        let fixed = find(&bytes, &FIXED_FILE_INFO_SIGNATURE.to_le_bytes(), 0);
        bytes[fixed + 20..fixed + 24].copy_from_slice(&0x0002_0005_u32.to_le_bytes());
        assert_eq!(read_version_info(&bytes), Some(mail_guard("7.1.2.5")));
    }

    #[test]
    fn the_file_description_stands_in_for_a_missing_product_name() {
        let mut bytes = VERSIONED.to_vec();
        hide(&mut bytes, "ProductName");
        assert_eq!(
            read_version_info(&bytes).map(|v| v.product_name),
            Some("Contoso MailGuard proxy".into())
        );
        hide(&mut bytes, "FileDescription");
        assert_eq!(read_version_info(&bytes), None, "no name, nothing to show");
    }

    #[test]
    fn truncated_executables_never_panic() {
        for fixture in [VERSIONED, VERSIONED_32, UNVERSIONED] {
            for len in 0..fixture.len() {
                let info = read_version_info(&fixture[..len]);
                if let Some(info) = info {
                    assert_eq!(info.product_name, "Contoso MailGuard");
                }
            }
        }
    }

    #[test]
    fn every_byte_overwritten_never_panics() {
        for fixture in [VERSIONED, VERSIONED_32] {
            let mut bytes = fixture.to_vec();
            for at in 0..bytes.len() {
                let original = bytes[at];
                for value in [0x00, 0x01, 0x7F, 0x80, 0xFF] {
                    bytes[at] = value;
                    let _ = read_version_info(&bytes);
                }
                bytes[at] = original;
            }
        }
    }

    #[test]
    fn random_corruption_never_panics() {
        // xorshift64: deterministic, so a failure reproduces.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut random = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..4_000 {
            let fixture = if round % 2 == 0 {
                VERSIONED
            } else {
                VERSIONED_32
            };
            let mut bytes = fixture.to_vec();
            let changes = 1 + random() % 16;
            for _ in 0..changes {
                // Most corruption lands in the headers and the resource section at the end,
                // where the offsets the parser follows are.
                let at = if random() % 2 == 0 {
                    (random() % 0x200) as usize
                } else {
                    0x800 + (random() % 0x400) as usize
                };
                if let Some(byte) = bytes.get_mut(at) {
                    *byte = random() as u8;
                }
            }
            let cut = bytes.len() - (random() % 64) as usize;
            let _ = read_version_info(&bytes[..cut]);
        }
    }
}

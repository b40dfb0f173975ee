//! Reads custom sections of a Wasm blob without running it.
//!
//! The runtime's build puts its encoded `RuntimeVersion` in a custom section
//! named `runtime_version`, so the version of new code can be checked (for
//! `set_code`, and by the node) before any of it runs.

/// The custom section holding the runtime's encoded `RuntimeVersion`.
pub const RUNTIME_VERSION_SECTION: &str = "runtime_version";

fn read_leb128_u32(bytes: &[u8], at: &mut usize) -> Option<u32> {
    let mut result = 0u32;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(*at)?;
        *at += 1;
        result |= u32::from(byte & 0x7f).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            return Some(result);
        }
    }
    None
}

/// The payload of the first custom section called `name`, if `code` is a Wasm module that
/// has one. Malformed input yields `None`.
pub fn custom_section<'a>(code: &'a [u8], name: &str) -> Option<&'a [u8]> {
    if code.get(..8)? != b"\0asm\x01\0\0\0" {
        return None;
    }
    let mut at = 8;
    while at < code.len() {
        let id = code[at];
        at += 1;
        let size = read_leb128_u32(code, &mut at)? as usize;
        let end = at.checked_add(size)?;
        let section = code.get(at..end)?;
        if id == 0 {
            let mut name_at = 0;
            let name_len = read_leb128_u32(section, &mut name_at)? as usize;
            let name_end = name_at.checked_add(name_len)?;
            if section.get(name_at..name_end)? == name.as_bytes() {
                return Some(&section[name_end..]);
            }
        }
        at = end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module_with(sections: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = b"\0asm\x01\0\0\0".to_vec();
        // A type section first, to be skipped.
        out.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]);
        for (name, payload) in sections {
            let mut body = vec![name.len() as u8];
            body.extend_from_slice(name.as_bytes());
            body.extend_from_slice(payload);
            out.push(0);
            out.push(body.len() as u8);
            out.extend_from_slice(&body);
        }
        out
    }

    #[test]
    fn finds_the_named_section() {
        let code = module_with(&[("other", b"x"), (RUNTIME_VERSION_SECTION, b"version bytes")]);
        assert_eq!(custom_section(&code, RUNTIME_VERSION_SECTION), Some(&b"version bytes"[..]));
        assert_eq!(custom_section(&code, "absent"), None);
    }

    #[test]
    fn malformed_blobs_are_none() {
        assert_eq!(custom_section(b"not wasm at all", RUNTIME_VERSION_SECTION), None);
        let mut code = module_with(&[(RUNTIME_VERSION_SECTION, b"abc")]);
        code.truncate(code.len() - 2);
        assert_eq!(custom_section(&code, RUNTIME_VERSION_SECTION), None);
        let mut huge = b"\0asm\x01\0\0\0".to_vec();
        huge.extend_from_slice(&[0, 0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert_eq!(custom_section(&huge, RUNTIME_VERSION_SECTION), None);
    }
}

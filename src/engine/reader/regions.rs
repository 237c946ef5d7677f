//! Which parts of a text are read closely. A pasted error is read whole; a big log is read
//! around the lines that hold something error-like, so that ordinary lines cost one fast scan.

use super::Reader;

impl Reader {
    /// The parts of the text worth reading closely. A pasted error is read whole; a big log is
    /// read around the lines that hold something error-like (a code, "port", "bind", a known
    /// phrase…), a few lines either side, so that ordinary log lines cost one fast scan.
    pub(super) fn regions(&self, text: &str) -> Vec<(usize, usize)> {
        const WHOLE: usize = 256 << 10;
        const CONTEXT_LINES: usize = 3;
        if text.len() <= WHOLE {
            return vec![(0, text.len())];
        }
        let bytes = text.as_bytes();
        let mut regions: Vec<(usize, usize)> = Vec::new();
        for m in self.triggers.find_iter(text) {
            if regions.last().is_some_and(|&(_, end)| m.start() < end) {
                continue;
            }
            let starts_word = bytes[m.start()].is_ascii_alphanumeric();
            if starts_word && m.start() > 0 && bytes[m.start() - 1].is_ascii_alphanumeric() {
                continue;
            }
            if self.trigger_whole_word[m.pattern().as_usize()]
                && bytes.get(m.end()).is_some_and(u8::is_ascii_alphanumeric)
            {
                continue;
            }
            let mut start = line_start(bytes, m.start());
            for _ in 0..CONTEXT_LINES {
                if start == 0 {
                    break;
                }
                start = line_start(bytes, start - 1);
            }
            let mut end = m.end();
            for _ in 0..=CONTEXT_LINES {
                end = bytes[end..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(bytes.len(), |i| end + i + 1);
                if end == bytes.len() {
                    break;
                }
            }
            match regions.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => regions.push((start, end)),
            }
        }
        regions
    }
}

/// Where the line holding `pos` starts.
pub(super) fn line_start(bytes: &[u8], pos: usize) -> usize {
    bytes[..pos]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1)
}

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
        let triggers = self
            .triggers
            .get_or_init(|| super::trigger_matcher(&self.kb, &self.phrases.keys));
        for at in triggers.starts(text) {
            if regions.last().is_some_and(|&(_, end)| at < end) {
                continue;
            }
            // A few lines either side; on very long lines, at most 4 KiB per line.
            let mut start = line_start(bytes, at);
            for _ in 0..CONTEXT_LINES {
                if start == 0 {
                    break;
                }
                start = line_start(bytes, start - 1);
            }
            let mut end = at;
            for _ in 0..=CONTEXT_LINES {
                let hi = (end + LINE_CAP).min(bytes.len());
                end = bytes[end..hi]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(hi, |i| end + i + 1);
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

/// How far one line reaches at most from a trigger: a text that is one huge line is read in
/// windows around its triggers, not as a whole per trigger.
const LINE_CAP: usize = 4096;

/// Where the line holding `pos` starts, or [`LINE_CAP`] bytes back on a very long line.
pub(super) fn line_start(bytes: &[u8], pos: usize) -> usize {
    let lo = pos.saturating_sub(LINE_CAP);
    bytes[lo..pos]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(lo, |i| lo + i + 1)
}

#[cfg(test)]
mod tests {
    use crate::engine::kb::KnowledgeBase;
    use crate::engine::reader::Reader;

    #[test]
    fn a_big_text_scanned_in_pieces_finds_the_same_triggers_as_one_scan() {
        let reader = Reader::new(KnowledgeBase::builtin());
        let triggers = super::super::trigger_matcher(&reader.kb, &reader.phrases.keys);
        // 3 MB of ordinary lines with triggers scattered through it, some of them on the
        // lines where the pieces are cut (every line is a candidate cut).
        let ordinary = "2026-11-26 10:00:01 INFO worker picked job 918273 from queue default\n";
        let errors = [
            "bind() to 0.0.0.0:80 failed (98: Address already in use)\n",
            "Your Password was rejected. Port: 110, Error Number: 0x800CCC92\n",
            "connect ECONNREFUSED 127.0.0.1:5432\n",
        ];
        let mut text = String::new();
        let mut i = 0;
        while text.len() < 3 << 20 {
            text.push_str(if i % 101 == 0 {
                errors[i % 3]
            } else {
                ordinary
            });
            i += 1;
        }
        let whole = triggers.starts_in(&text);
        assert!(whole.len() > 100, "{} triggers", whole.len());
        assert_eq!(triggers.starts(&text), whole);
        // The same with a text that is one line: it is scanned whole, in one piece.
        let one_line = text.replace('\n', " ");
        assert_eq!(triggers.starts(&one_line), triggers.starts_in(&one_line));
    }
}

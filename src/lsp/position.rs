//! Byte offsets ↔ LSP positions, in the encoding negotiated with the
//! client (UTF-8 where it offers it, else UTF-16), and paths ↔ URIs.

use crate::source::Span;
use std::path::PathBuf;
use tower_lsp_server::ls_types::{Position, PositionEncodingKind, Range, Uri};

/// How a position's `character` counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Encoding {
    Utf8,
    #[default]
    Utf16,
}

impl Encoding {
    /// UTF-8 when the client offers it; UTF-16 (the protocol's default) otherwise.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        match offered {
            Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }
    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }
    fn width(self, c: char) -> usize {
        match self {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        }
    }
}

/// Byte offsets of the start of every line (a line ends at `\n`).
fn line_start(text: &str, line: usize) -> Option<usize> {
    if line == 0 {
        return Some(0);
    }
    text.match_indices('\n').nth(line - 1).map(|(i, _)| i + 1)
}

/// The position of a byte offset (clamped to the text, and to a character boundary).
pub fn position(text: &str, offset: usize, enc: Encoding) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let character: usize = text[start..offset].chars().map(|c| enc.width(c)).sum();
    Position::new(line as u32, character as u32)
}

pub fn range(text: &str, span: Span, enc: Encoding) -> Range {
    Range::new(
        position(text, span.start(), enc),
        position(text, span.end(), enc),
    )
}

/// The byte offset of a position. A line past the end is the end of the
/// text; a character past the end of its line is the line's end; a position
/// inside a character is that character's start.
pub fn offset(text: &str, pos: Position, enc: Encoding) -> usize {
    let Some(start) = line_start(text, pos.line as usize) else {
        return text.len();
    };
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let mut units = 0usize;
    for (i, c) in text[start..end].char_indices() {
        let w = enc.width(c);
        if units + w > pos.character as usize {
            return start + i;
        }
        units += w;
    }
    end
}

pub fn span(text: &str, r: Range, enc: Encoding) -> Span {
    let (a, b) = (offset(text, r.start, enc), offset(text, r.end, enc));
    Span::new(a.min(b), a.max(b))
}

pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    uri.to_file_path().map(|p| p.into_owned())
}

pub fn path_to_uri(path: &std::path::Path) -> Option<Uri> {
    Uri::from_file_path(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_and_utf8_count_differently_after_non_ascii() {
        // `é` is 2 bytes, 1 UTF-16 unit; `😀` is 4 bytes, 2 units; a tab is one.
        let text = "# é😀\n\tremote 192.0.2.1 {\n";
        let r = text.find("remote").unwrap();
        assert_eq!(position(text, r, Encoding::Utf16), Position::new(1, 1));
        let end1 = text.find('\n').unwrap();
        assert_eq!(position(text, end1, Encoding::Utf16), Position::new(0, 5));
        assert_eq!(position(text, end1, Encoding::Utf8), Position::new(0, 8));
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            for off in [0, 2, 4, end1, r, text.len()] {
                assert_eq!(
                    offset(text, position(text, off, enc), enc),
                    off,
                    "{enc:?} {off}"
                );
            }
        }
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let text = "ab\ncd";
        assert_eq!(offset(text, Position::new(9, 0), Encoding::Utf16), 5);
        assert_eq!(offset(text, Position::new(0, 99), Encoding::Utf16), 2);
        // Inside the surrogate pair of an emoji: its start.
        let t = "😀x";
        assert_eq!(offset(t, Position::new(0, 1), Encoding::Utf16), 0);
        assert_eq!(position(t, 2, Encoding::Utf8), Position::new(0, 0));
    }
}

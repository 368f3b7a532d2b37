//! [`Word`]: a keyword or bare word of racoon.conf in 16 bytes.
//!
//! A large file holds one word per statement and several per value list, so
//! the words the grammar spells out (every keyword, algorithm and mode name)
//! are an index into the grammar's own list, and only other words own text.

use super::GRAMMAR;
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Clone)]
pub enum Word {
    /// Index into the grammar's words.
    Grammar(u16),
    Other(Box<str>),
}

/// The grammar's quoted words, and where each one is in the list.
struct Words {
    list: Vec<&'static str>,
    index: HashMap<&'static str, u16, BuildFnv>,
}

/// FNV-1a: every word of a file is looked up here, and the words are the
/// grammar's own, so a keyed hash buys nothing.
#[derive(Default)]
struct BuildFnv;

struct Fnv(u64);

impl std::hash::BuildHasher for BuildFnv {
    type Hasher = Fnv;
    fn build_hasher(&self) -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

fn words() -> &'static Words {
    static WORDS: OnceLock<Words> = OnceLock::new();
    WORDS.get_or_init(|| {
        let mut list: Vec<&'static str> = GRAMMAR
            .split('"')
            .skip(1)
            .step_by(2)
            .filter(|w| {
                !w.is_empty()
                    && w.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            })
            .collect();
        list.sort_unstable();
        list.dedup();
        list.truncate(usize::from(u16::MAX));
        let index = list
            .iter()
            .enumerate()
            .map(|(i, w)| (*w, i as u16))
            .collect();
        Words { list, index }
    })
}

/// `word` as a [`Word`]: an index when the grammar spells it out.
pub(crate) fn intern(word: &str) -> Word {
    match words().index.get(word) {
        Some(&i) => Word::Grammar(i),
        None => Word::Other(word.into()),
    }
}

impl Word {
    pub fn as_str(&self) -> &str {
        match self {
            Word::Grammar(i) => words().list[usize::from(*i)],
            Word::Other(s) => s,
        }
    }
}

impl Default for Word {
    fn default() -> Self {
        Word::Other("".into())
    }
}

impl std::ops::Deref for Word {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

// By text, so equality never depends on how a word is stored.
impl PartialEq for Word {
    fn eq(&self, other: &Word) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Word {}

impl std::hash::Hash for Word {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.as_str().hash(h)
    }
}

impl PartialEq<str> for Word {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Word {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for Word {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for Word {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar_words_are_indices_and_read_back() {
        let w = intern("exchange_mode");
        assert!(matches!(w, Word::Grammar(_)));
        assert_eq!(w, "exchange_mode");
        let other = intern("not-in-the-grammar-x");
        assert!(matches!(other, Word::Other(_)));
        assert_eq!(&*other, "not-in-the-grammar-x");
        assert_eq!(std::mem::size_of::<Word>(), 16);
    }
}

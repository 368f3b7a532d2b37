//! Shell patterns as fnmatch(3) reads them without flags: `*`, `?` and
//! `[...]` classes (`!` or `^` negates, `a-z` ranges; a `[` without its `]` is
//! itself). ipfw matches `via gif*` this way and racoon expands `include`
//! globs with it.
//!
//! The match runs in O(pattern × name) with one backtrack point, never
//! recursively: a pattern of a thousand `*` from a hostile file is harmless.

#[derive(Debug)]
enum Elem {
    Star,
    One,
    Class { neg: bool, items: Vec<(char, char)> },
    Lit(char),
}

fn compile(pattern: &str) -> Vec<Elem> {
    let p: Vec<char> = pattern.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '*' => {
                // Consecutive stars are one.
                if !matches!(out.last(), Some(Elem::Star)) {
                    out.push(Elem::Star);
                }
                i += 1;
            }
            '?' => {
                out.push(Elem::One);
                i += 1;
            }
            '[' => {
                let close = p[i + 1..]
                    .iter()
                    .position(|c| *c == ']')
                    .map(|k| i + 1 + k)
                    .filter(|e| *e > i + 1);
                let Some(end) = close else {
                    out.push(Elem::Lit('['));
                    i += 1;
                    continue;
                };
                let class = &p[i + 1..end];
                let (neg, class) = match class.first() {
                    Some('!' | '^') => (true, &class[1..]),
                    _ => (false, class),
                };
                let mut items = Vec::new();
                let mut k = 0;
                while k < class.len() {
                    if k + 2 < class.len() && class[k + 1] == '-' {
                        items.push((class[k], class[k + 2]));
                        k += 3;
                    } else {
                        items.push((class[k], class[k]));
                        k += 1;
                    }
                }
                out.push(Elem::Class { neg, items });
                i = end + 1;
            }
            c => {
                out.push(Elem::Lit(c));
                i += 1;
            }
        }
    }
    out
}

fn one(e: &Elem, c: char) -> bool {
    match e {
        Elem::Star => true,
        Elem::One => true,
        Elem::Class { neg, items } => items.iter().any(|(a, b)| *a <= c && c <= *b) != *neg,
        Elem::Lit(l) => *l == c,
    }
}

/// Does `name` match the whole `pattern`?
pub fn fnmatch(pattern: &str, name: &str) -> bool {
    if !pattern.contains(['*', '?', '[']) {
        return pattern == name;
    }
    let p = compile(pattern);
    let s: Vec<char> = name.chars().collect();
    let (mut pi, mut si) = (0, 0);
    // The last `*` seen, and where in the name it resumes.
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match p.get(pi) {
            Some(Elem::Star) => {
                star = Some((pi, si));
                pi += 1;
            }
            Some(e) if one(e, s[si]) => {
                pi += 1;
                si += 1;
            }
            _ => match star {
                // Let the last `*` take one more character.
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|e| matches!(e, Elem::Star))
}

#[cfg(test)]
mod tests {
    use super::fnmatch;

    #[test]
    fn stars_questions_and_classes() {
        assert!(fnmatch("gif*", "gif0"));
        assert!(fnmatch("gif*", "gif"));
        assert!(!fnmatch("gif*", "em0"));
        assert!(fnmatch("em?", "em1"));
        assert!(!fnmatch("em?", "em10"));
        assert!(fnmatch("*.conf", "racoon.conf"));
        assert!(fnmatch("a*b*c", "aXbYc"));
        assert!(!fnmatch("a*b*c", "aXbY"));
        assert!(fnmatch("em[0-2]", "em1"));
        assert!(!fnmatch("em[!0-2]", "em1"));
        assert!(fnmatch("em[^0-2]", "em7"));
        assert!(fnmatch("x[", "x["), "an unclosed `[` is itself");
        assert!(fnmatch("x[]", "x[]"), "`[]` is no class");
        assert!(fnmatch("exact", "exact"));
        assert!(!fnmatch("exact", "exactly"));
        assert!(!fnmatch("*.conf", "a.conf.bak"));
        assert!(fnmatch("r?mote[0-9].conf", "remote1.conf"));
        assert!(!fnmatch("[!a]*", "abc"));
    }

    #[test]
    fn many_stars_are_harmless() {
        let pattern = format!("{}x", "*".repeat(10_000));
        let name = "y".repeat(10_000);
        assert!(!fnmatch(&pattern, &name));
        let pattern = "*a".repeat(5_000);
        assert!(!fnmatch(&pattern, &"a".repeat(4_999)));
    }
}

//! Completion in racoon.conf: the statement keywords of the block at the
//! cursor, and the values a statement takes (algorithms the target's kernel
//! offers, DH groups, exchange modes). Lists come from the grammar and the
//! model's tables.

use crate::model::algorithms::{self, AlgClass};
use crate::model::Target;
use crate::syntax::racoon;

/// One suggestion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    pub label: &'static str,
    pub detail: &'static str,
    pub keyword: bool,
}

/// Where the cursor is: the blocks around it and the statement's words so far.
#[derive(Debug, Default, PartialEq, Eq)]
struct Cursor {
    blocks: Vec<String>,
    /// The words of the current statement before the cursor (the last one
    /// may be the word being typed).
    words: Vec<String>,
    /// The cursor is right after a word (typing it), not after a blank.
    in_word: bool,
}

/// Read the text before the cursor like racoon's lexer: comments and quoted
/// strings are skipped; `{`, `}` and `;` end statements.
fn cursor(text: &str) -> Cursor {
    let mut c = Cursor::default();
    let mut word = String::new();
    let mut chars = text.chars().peekable();
    let flush = |word: &mut String, c: &mut Cursor| {
        if !word.is_empty() {
            c.words.push(std::mem::take(word));
        }
    };
    while let Some(ch) = chars.next() {
        match ch {
            '#' => {
                flush(&mut word, &mut c);
                for n in chars.by_ref() {
                    if n == '\n' {
                        break;
                    }
                }
            }
            '"' => {
                flush(&mut word, &mut c);
                for n in chars.by_ref() {
                    if n == '"' {
                        break;
                    }
                }
                c.words.push("\"…\"".to_string());
            }
            '{' => {
                flush(&mut word, &mut c);
                let opener = c.words.first().cloned().unwrap_or_default();
                c.blocks.push(opener);
                c.words.clear();
            }
            '}' => {
                flush(&mut word, &mut c);
                c.blocks.pop();
                c.words.clear();
            }
            ';' => {
                flush(&mut word, &mut c);
                c.words.clear();
            }
            ',' => flush(&mut word, &mut c),
            ch if ch.is_whitespace() => flush(&mut word, &mut c),
            ch => word.push(ch),
        }
    }
    c.in_word = !word.is_empty();
    flush(&mut word, &mut c);
    c
}

fn values(rule: &str) -> Vec<&'static str> {
    racoon::grammar_values(rule)
}

/// Algorithm names of a class that the grammar reads (and, for phase 2,
/// that the target's kernel offers).
fn algorithms(class: AlgClass, target: Target) -> Vec<&'static str> {
    values("alg_name")
        .into_iter()
        .filter(|n| algorithms::in_class(n, class))
        .filter(|n| {
            !matches!(class, AlgClass::Phase2Cipher | AlgClass::Phase2Auth)
                || algorithms::kernel_supports(n, target)
        })
        .collect()
}

/// What a statement's value may be, by its keyword and block.
fn value_list(
    keyword: &str,
    block: Option<&str>,
    target: Target,
) -> (Vec<&'static str>, &'static str) {
    let in_sainfo = block == Some("sainfo");
    match keyword {
        "exchange_mode" => (values("xmode"), "exchange mode"),
        "encryption_algorithm" if in_sainfo => {
            (algorithms(AlgClass::Phase2Cipher, target), "phase 2 cipher")
        }
        "encryption_algorithm" => (algorithms(AlgClass::Phase1Cipher, target), "phase 1 cipher"),
        "hash_algorithm" => (algorithms(AlgClass::Phase1Hash, target), "phase 1 hash"),
        "authentication_algorithm" => (
            algorithms(AlgClass::Phase2Auth, target),
            "phase 2 authentication",
        ),
        "compression_algorithm" => (algorithms(AlgClass::Compression, target), "compression"),
        "authentication_method" => (values("auth_method"), "phase 1 authentication"),
        // EC2N names read but racoon refuses them (`must be DH group`).
        "dh_group" | "pfs_group" => (
            values("dh_name")
                .into_iter()
                .filter(|n| n.starts_with("modp"))
                .collect(),
            "Diffie-Hellman group",
        ),
        "proposal_check" => (vec!["obey", "strict", "claim", "exact"], "proposal check"),
        "nat_traversal" | "ike_frag" | "rekey" => (vec!["on", "off", "force"], "switch"),
        "generate_policy" => (vec!["on", "off", "require", "unique"], "switch"),
        "passive" | "initial_contact" | "verify_identifier" | "support_proxy" | "verify_cert"
        | "send_cert" | "send_cr" | "weak_phase1_check" | "complex_bundle" => {
            (vec!["on", "off"], "switch")
        }
        "log" => (
            vec!["error", "warning", "notify", "info", "debug", "debug2"],
            "log level",
        ),
        _ => (Vec::new(), ""),
    }
}

/// Suggestions at the end of `before` (the text up to the cursor).
pub fn racoon(before: &str, target: Target) -> Vec<Suggestion> {
    let c = cursor(before);
    let block = c.blocks.last().map(String::as_str);
    let typing_first = c.words.is_empty() || (c.words.len() == 1 && c.in_word);
    if typing_first {
        return racoon::keywords_in(block)
            .iter()
            .map(|k| Suggestion {
                label: k,
                detail: crate::model::keywords::doc(k).map_or("", |d| d.meaning),
                keyword: true,
            })
            .collect();
    }
    let (list, detail) = value_list(&c.words[0], block, target);
    list.into_iter()
        .map(|label| Suggestion {
            label,
            detail,
            keyword: false,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(before: &str, target: Target) -> Vec<&'static str> {
        racoon(before, target)
            .into_iter()
            .map(|s| s.label)
            .collect()
    }

    #[test]
    fn keywords_of_the_block_at_the_cursor() {
        let top = labels("log notify;\n", Target::default());
        assert!(top.contains(&"remote") && top.contains(&"sainfo") && !top.contains(&"dh_group"));
        let remote = labels("remote 192.0.2.1 {\n\texch", Target::default());
        assert!(remote.contains(&"exchange_mode") && !remote.contains(&"remote"));
        let prop = labels("remote 192.0.2.1 { proposal {\n", Target::default());
        assert!(prop.contains(&"dh_group"));
        // After the proposal closes, the remote's keywords again; a `{` in a comment counts for nothing.
        let after = labels("remote 192.0.2.1 { proposal { } # {\n", Target::default());
        assert!(after.contains(&"exchange_mode"));
    }

    #[test]
    fn values_follow_the_target_release() {
        let p2 = "sainfo anonymous {\n\tencryption_algorithm ";
        let new = labels(p2, Target::default());
        assert!(new.contains(&"aes") && !new.contains(&"3des"), "{new:?}");
        let old = labels(p2, Target::FreeBsd12);
        assert!(old.contains(&"3des"));
        let p1 = labels(
            "remote anonymous { proposal { encryption_algorithm ",
            Target::default(),
        );
        assert!(p1.contains(&"3des") && !p1.contains(&"null_enc"));
        let dh = labels("remote anonymous { proposal { dh_group ", Target::default());
        assert!(dh.contains(&"modp2048") && !dh.contains(&"ec2n155"));
        assert_eq!(
            labels("remote anonymous { exchange_mode main, ", Target::default()),
            ["main", "aggressive", "base"]
        );
    }
}

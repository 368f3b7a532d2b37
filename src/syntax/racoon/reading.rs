//! What racoon's lexer (cftoken.l) reads of a file: the characters its
//! catch-all rule swallows.
//!
//! flex takes the longest match among the rules of the current start state,
//! and a character that starts no token is swallowed. So `mmain` reads as
//! `main`, `addresss;` as `address;`, and a `}` at the top level is ignored.
//! The parser uses this to tell a typo racoon silently accepts (a warning)
//! from one it rejects (an error): it re-reads the file with the swallowed
//! characters blanked out. The keyword tables below are racoon's, per state.

use crate::source::Span;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    Ini,
    Priv,
    Pth,
    Log,
    Pad,
    Lst,
    Rtry,
    Cfg,
    Ldap,
    Rad,
    Sainf,
    Sainfs,
    Rmt,
    Rmts,
    Rmtp,
    Gssenc,
}

use State::*;

/// Keywords recognised only in one state, and the state each one starts.
fn state_keywords(s: State) -> &'static [&'static str] {
    match s {
        Ini => &[
            "privsep",
            "path",
            "include",
            "pfkey_buffer",
            "complex_bundle",
            "log",
            "padding",
            "listen",
            "radiuscfg",
            "ldapcfg",
            "mode_cfg",
            "timer",
            "sainfo",
            "remote",
            "gss_id_enc",
        ],
        Priv => &["user", "group", "chroot"],
        Pth => &[
            "include",
            "pre_shared_key",
            "certificate",
            "script",
            "backupsa",
            "pidfile",
        ],
        Log => &["error", "warning", "notify", "info", "debug", "debug2"],
        Pad => &[
            "randomize",
            "randomize_length",
            "maximum_length",
            "strict_check",
            "exclusive_tail",
        ],
        Lst => &[
            "isakmp",
            "isakmp_natt",
            "admin",
            "adminsock",
            "disabled",
            "strict_address",
        ],
        Rtry => &[
            "counter",
            "interval",
            "persend",
            "phase1",
            "phase2",
            "natt_keepalive",
        ],
        Cfg => &[
            "network4",
            "netmask4",
            "dns4",
            "nbns4",
            "wins4",
            "default_domain",
            "auth_source",
            "auth_groups",
            "group_source",
            "conf_source",
            "accounting",
            "system",
            "local",
            "none",
            "radius",
            "pam",
            "ldap",
            "pool_size",
            "banner",
            "auth_throttle",
            "split_network",
            "local_lan",
            "include",
            "split_dns",
            "pfs_group",
            "save_passwd",
        ],
        Ldap => &[
            "version",
            "debug",
            "timeout",
            "uri",
            "host",
            "port",
            "base",
            "subtree",
            "bind_dn",
            "bind_pw",
            "attr_user",
            "attr_addr",
            "attr_mask",
            "attr_group",
            "attr_member",
        ],
        Rad => &["auth", "acct", "timeout", "retries"],
        Sainf => &["anonymous", "clientaddr", "any", "from", "group"],
        Sainfs => &[
            "pfs_group",
            "remoteid",
            "my_identifier",
            "lifetime",
            "time",
            "byte",
            "encryption_algorithm",
            "authentication_algorithm",
            "compression_algorithm",
        ],
        Rmt => &["anonymous", "inherit"],
        Rmts => &[
            "remote_address",
            "exchange_mode",
            "base",
            "main",
            "aggressive",
            "doi",
            "ipsec_doi",
            "situation",
            "identity_only",
            "secrecy",
            "integrity",
            "my_identifier",
            "xauth_login",
            "peers_identifier",
            "verify_identifier",
            "certificate_type",
            "ca_type",
            "x509",
            "plain_rsa",
            "peers_certfile",
            "dnssec",
            "verify_cert",
            "send_cert",
            "send_cr",
            "match_empty_cr",
            "dh_group",
            "nonce_size",
            "generate_policy",
            "unique",
            "require",
            "support_proxy",
            "initial_contact",
            "nat_traversal",
            "force",
            "proposal_check",
            "obey",
            "strict",
            "exact",
            "claim",
            "keepalive",
            "passive",
            "lifetime",
            "time",
            "byte",
            "dpd",
            "dpd_delay",
            "dpd_retry",
            "dpd_maxfail",
            "ph1id",
            "ike_frag",
            "esp_frag",
            "script",
            "phase1_up",
            "phase1_down",
            "phase1_dead",
            "mode_cfg",
            "weak_phase1_check",
            "rekey",
            "proposal",
        ],
        Rmtp => &[
            "lifetime",
            "time",
            "byte",
            "encryption_algorithm",
            "authentication_method",
            "hash_algorithm",
            "dh_group",
            "gss_id",
            "gssapi_id",
        ],
        Gssenc => &["latin1", "utf-16le"],
    }
}

/// Words every state recognises.
const GLOBAL_WORDS: &[&str] = &[
    "on",
    "off",
    "esp",
    "ah",
    "ipcomp",
    "icmp",
    "icmp6",
    "tcp",
    "udp",
    "gre",
    "des_iv64",
    "des",
    "3des",
    "rc5",
    "idea",
    "cast128",
    "blowfish",
    "3idea",
    "des_iv32",
    "rc4",
    "null_enc",
    "null",
    "aes",
    "rijndael",
    "twofish",
    "camellia",
    "non_auth",
    "hmac_md5",
    "hmac_sha1",
    "hmac_sha2_256",
    "hmac_sha256",
    "hmac_sha2_384",
    "hmac_sha384",
    "hmac_sha2_512",
    "hmac_sha512",
    "des_mac",
    "kpdk",
    "md5",
    "sha1",
    "tiger",
    "sha2_256",
    "sha256",
    "sha2_384",
    "sha384",
    "sha2_512",
    "sha512",
    "oui",
    "deflate",
    "lzs",
    "modp768",
    "modp1024",
    "modp1536",
    "ec2n155",
    "ec2n185",
    "modp2048",
    "modp3072",
    "modp4096",
    "modp6144",
    "modp8192",
    "pre_shared_key",
    "rsasig",
    "dsssig",
    "rsaenc",
    "rsarev",
    "gssapi_krb",
    "hybrid_rsa_server",
    "hybrid_dss_server",
    "hybrid_rsa_client",
    "hybrid_dss_client",
    "xauth_psk_server",
    "xauth_psk_client",
    "xauth_rsa_server",
    "xauth_rsa_client",
    "user_fqdn",
    "fqdn",
    "keyid",
    "address",
    "subnet",
    "asn1dn",
    "tag",
    "file",
    "B",
    "byte",
    "bytes",
    "KB",
    "MB",
    "TB",
    "sec",
    "secs",
    "second",
    "seconds",
    "min",
    "mins",
    "minute",
    "minutes",
    "hour",
    "hours",
    "yes",
    "no",
];

/// The state a keyword starts (`remote` → the remote header, ...).
fn after_keyword(s: State, word: &str) -> State {
    match (s, word) {
        (Ini, "privsep") => Priv,
        (Ini, "path") => Pth,
        (Ini, "log") => Log,
        (Ini, "padding") => Pad,
        (Ini, "listen") => Lst,
        (Ini, "radiuscfg") => Rad,
        (Ini, "ldapcfg") => Ldap,
        (Ini, "mode_cfg") => Cfg,
        (Ini, "timer") => Rtry,
        (Ini, "sainfo") => Sainf,
        (Ini, "remote") => Rmt,
        (Ini, "gss_id_enc") => Gssenc,
        (Rmts, "proposal") => Rmtp,
        _ => s,
    }
}

/// What a `{`, `}` or `;` does in a state: `None` when the state has no rule
/// for it (then `{`/`}` are swallowed; `;` is always a token).
fn punctuation(s: State, c: u8) -> Option<State> {
    let block = matches!(s, Priv | Pad | Lst | Rad | Ldap | Cfg | Rtry | Rmtp);
    match c {
        b'{' => match s {
            Sainf => Some(Sainfs),
            Rmt => Some(Rmts),
            _ if block => Some(s),
            _ => None,
        },
        b'}' => match s {
            Rmtp => Some(Rmts),
            Sainfs | Rmts => Some(Ini),
            _ if block => Some(Ini),
            _ => None,
        },
        b';' => Some(match s {
            Pth | Log | Sainf | Rmt | Gssenc => Ini,
            _ => s,
        }),
        _ => None,
    }
}

fn is_hex(b: u8) -> bool {
    b.is_ascii_hexdigit() || b == b':'
}

/// The length of the address token (`{addrstring}`) at the start of `t`,
/// 0 when a keyword of some state is at least as long there (the keyword's
/// rule wins the tie in cftoken.l).
pub(super) fn address_len(t: &[u8]) -> usize {
    let states = [
        Ini, Priv, Pth, Log, Pad, Lst, Rtry, Cfg, Ldap, Rad, Sainf, Sainfs, Rmt, Rmts, Rmtp, Gssenc,
    ];
    let keyword = states
        .iter()
        .flat_map(|s| state_keywords(*s).iter())
        .chain(GLOBAL_WORDS)
        .filter(|w| t.starts_with(w.as_bytes()))
        .map(|w| w.len())
        .max()
        .unwrap_or(0);
    let addr = addrstring(t);
    if keyword >= addr {
        0
    } else {
        addr
    }
}

/// `[a-fA-F0-9:]([a-fA-F0-9:.]*|[a-fA-F0-9:.]*%[a-zA-Z0-9]*)`
fn addrstring(t: &[u8]) -> usize {
    if !t.first().is_some_and(|b| is_hex(*b)) {
        return 0;
    }
    let mut n = 1 + t[1..]
        .iter()
        .take_while(|b| is_hex(**b) || **b == b'.')
        .count();
    if t.get(n) == Some(&b'%') {
        n += 1 + t[n + 1..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
    }
    n
}

/// What one token is, for the question whether swallowed characters glued to
/// it change its value.
#[derive(PartialEq)]
enum Kind {
    Word,
    Value,
    Blank,
}

/// The longest match at the start of `t` in state `s`, its kind, and the
/// state after it; `None` when only the catch-all rule matches.
fn token(s: State, t: &[u8]) -> Option<(usize, Kind, State)> {
    let c = t[0];
    match c {
        b' ' | b'\t' | b'\n' => return Some((1, Kind::Blank, s)),
        b'#' => {
            let n = t.iter().take_while(|b| **b != b'\n').count();
            return Some((n, Kind::Blank, s));
        }
        b'"' => {
            return t[1..]
                .iter()
                .position(|b| *b == b'"')
                .map(|i| (i + 2, Kind::Value, s));
        }
        b'{' | b'}' | b';' => return punctuation(s, c).map(|next| (1, Kind::Word, next)),
        b',' if matches!(s, Cfg | Sainfs | Rmts) => return Some((1, Kind::Word, s)),
        b'/' => {
            let d = t[1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count()
                .min(3);
            return (d > 0).then_some((1 + d, Kind::Value, s));
        }
        b'[' => {
            if s == Sainf && t.starts_with(b"[any]") {
                return Some((5, Kind::Value, s));
            }
            let d = t[1..].iter().take_while(|b| b.is_ascii_digit()).count();
            return (d > 0 && t.get(1 + d) == Some(&b']')).then_some((d + 2, Kind::Value, s));
        }
        b'-' => {
            let n = addrstring(&t[1..]);
            return (n > 0).then_some((n + 1, Kind::Value, s));
        }
        _ => {}
    }
    let word = state_keywords(s)
        .iter()
        .chain(GLOBAL_WORDS)
        .filter(|w| t.starts_with(w.as_bytes()))
        .max_by_key(|w| w.len());
    let digits = t.iter().take_while(|b| b.is_ascii_digit()).count();
    let hex = if t.starts_with(b"0x") {
        let h = t[2..].iter().take_while(|b| b.is_ascii_hexdigit()).count();
        if h > 0 {
            h + 2
        } else {
            0
        }
    } else {
        0
    };
    let addr = addrstring(t);
    let value = digits.max(hex).max(addr);
    match word {
        // A keyword wins ties: its rule comes first in cftoken.l.
        Some(w) if w.len() >= value => {
            let w = std::str::from_utf8(w.as_bytes()).unwrap_or("");
            Some((w.len(), Kind::Word, after_keyword(s, w)))
        }
        _ if value > 0 => Some((value, Kind::Value, s)),
        _ => None,
    }
}

/// A run of characters racoon swallows, and whether the token right after
/// it takes them into its value (an address, number or string).
#[derive(Debug)]
pub struct Swallowed {
    pub span: Span,
    pub changes_a_value: bool,
}

/// Every run of swallowed characters in a file, read as racoon reads it.
pub fn swallowed(text: &str) -> Vec<Swallowed> {
    let t = text.as_bytes();
    let mut out: Vec<Swallowed> = Vec::new();
    let mut state = Ini;
    let mut run: Option<usize> = None;
    let mut i = 0;
    while i < t.len() {
        match token(state, &t[i..]) {
            Some((n, kind, next)) => {
                if let Some(start) = run.take() {
                    out.push(Swallowed {
                        span: Span::new(start, i),
                        changes_a_value: kind == Kind::Value,
                    });
                }
                state = next;
                i += n;
            }
            None => {
                run.get_or_insert(i);
                i += 1;
                while i < t.len() && !text.is_char_boundary(i) {
                    i += 1;
                }
            }
        }
    }
    if let Some(start) = run {
        out.push(Swallowed {
            span: Span::new(start, t.len()),
            changes_a_value: false,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(text: &str) -> Vec<&str> {
        swallowed(text)
            .iter()
            .map(|s| &text[s.span.start()..s.span.end()])
            .collect()
    }

    #[test]
    fn swallows_what_no_rule_of_the_state_starts() {
        assert_eq!(
            runs("remote 192.0.2.1 {\n\texchange_mode mmain;\n}\n"),
            ["m"]
        );
        assert_eq!(runs("logging notify;\n"), ["ging"]);
        assert_eq!(runs("log notifyy;\n"), ["y"]);
        // `e` is a hex digit: an address token, not swallowed.
        assert!(runs("remotee 192.0.2.1 {\n}\n").is_empty());
        // A `}` at the top level has no rule there.
        assert_eq!(runs("log notify;\n}\n"), ["}"]);
        // `no` is a word everywhere: `notice` reads as `no` + `tice`.
        assert_eq!(runs("log notice;\n"), ["ti"]);
    }

    #[test]
    fn knows_when_swallowed_characters_join_a_value() {
        let s = swallowed("remote x192.0.2.1 {\n}\n");
        assert_eq!(s.len(), 1);
        assert!(s[0].changes_a_value);
    }
}

//! Turning a skipped region into a precise, helpful syntax diagnostic.

use super::{
    RacoonParser, Rule, BAD_ADDRESS, MISSING_SEMICOLON, SEMICOLON_AFTER_BRACE, SYNTAX_ERROR,
    UNKNOWN_STATEMENT,
};
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};
use crate::syntax::{closest, join_expected, pest_failure, prev_token_end, token_at};
use pest::Parser;

/// The block a statement was found in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    Top,
    Remote,
    Proposal,
    Sainfo,
    Listen,
    Timer,
    Padding,
    Privsep,
    ModeCfg,
    Ldapcfg,
    Radiuscfg,
}

impl Context {
    const ALL: [Context; 11] = [
        Context::Top,
        Context::Remote,
        Context::Proposal,
        Context::Sainfo,
        Context::Listen,
        Context::Timer,
        Context::Padding,
        Context::Privsep,
        Context::ModeCfg,
        Context::Ldapcfg,
        Context::Radiuscfg,
    ];

    fn name(self) -> &'static str {
        match self {
            Context::Top => "the top level",
            Context::Remote => "a `remote` block",
            Context::Proposal => "a `proposal` block",
            Context::Sainfo => "a `sainfo` block",
            Context::Listen => "a `listen` block",
            Context::Timer => "a `timer` block",
            Context::Padding => "a `padding` block",
            Context::Privsep => "a `privsep` block",
            Context::ModeCfg => "a `mode_cfg` block",
            Context::Ldapcfg => "an `ldapcfg` block",
            Context::Radiuscfg => "a `radiuscfg` block",
        }
    }

    fn strict_rule(self) -> Rule {
        match self {
            Context::Top => Rule::top_strict,
            Context::Remote => Rule::remote_strict,
            Context::Proposal => Rule::proposal_strict,
            Context::Sainfo => Rule::sainfo_strict,
            Context::Listen => Rule::listen_strict,
            Context::Timer => Rule::timer_strict,
            Context::Padding => Rule::padding_strict,
            Context::Privsep => Rule::privsep_strict,
            Context::ModeCfg => Rule::mode_cfg_strict,
            Context::Ldapcfg => Rule::ldapcfg_strict,
            Context::Radiuscfg => Rule::radiuscfg_strict,
        }
    }

    /// Statement keywords racoon accepts in this context.
    pub fn keywords(self) -> &'static [&'static str] {
        match self {
            Context::Top => &[
                "privsep",
                "path",
                "include",
                "pfkey_buffer",
                "gss_id_enc",
                "log",
                "padding",
                "listen",
                "timer",
                "remote",
                "sainfo",
                "mode_cfg",
                "ldapcfg",
                "radiuscfg",
                "complex_bundle",
            ],
            Context::Remote => &[
                "remote_address",
                "exchange_mode",
                "doi",
                "situation",
                "my_identifier",
                "peers_identifier",
                "verify_identifier",
                "xauth_login",
                "certificate_type",
                "peers_certfile",
                "ca_type",
                "verify_cert",
                "send_cert",
                "send_cr",
                "match_empty_cr",
                "nonce_size",
                "passive",
                "ike_frag",
                "esp_frag",
                "initial_contact",
                "mode_cfg",
                "weak_phase1_check",
                "generate_policy",
                "support_proxy",
                "nat_traversal",
                "dpd",
                "dpd_delay",
                "dpd_retry",
                "dpd_maxfail",
                "rekey",
                "ph1id",
                "lifetime",
                "proposal_check",
                "script",
                "proposal",
            ],
            Context::Proposal => &[
                "encryption_algorithm",
                "hash_algorithm",
                "authentication_method",
                "dh_group",
                "lifetime",
                "gss_id",
            ],
            Context::Sainfo => &[
                "encryption_algorithm",
                "authentication_algorithm",
                "compression_algorithm",
                "pfs_group",
                "lifetime",
                "remoteid",
            ],
            Context::Listen => &["isakmp", "isakmp_natt", "strict_address", "adminsock"],
            Context::Timer => &[
                "counter",
                "interval",
                "persend",
                "phase1",
                "phase2",
                "natt_keepalive",
            ],
            Context::Padding => &[
                "randomize",
                "randomize_length",
                "maximum_length",
                "strict_check",
                "exclusive_tail",
            ],
            Context::Privsep => &["user", "group", "chroot"],
            Context::ModeCfg => &[
                "network4",
                "netmask4",
                "dns4",
                "wins4",
                "nbns4",
                "split_network",
                "split_dns",
                "default_domain",
                "auth_source",
                "auth_groups",
                "group_source",
                "conf_source",
                "accounting",
                "pool_size",
                "pfs_group",
                "save_passwd",
                "auth_throttle",
                "banner",
            ],
            Context::Ldapcfg => &[
                "version",
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
            Context::Radiuscfg => &["auth", "acct", "timeout", "retries"],
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The first word of a fragment (after blanks and stray characters).
fn first_word(s: &str) -> Option<(usize, &str)> {
    let start =
        s.find(|c: char| is_word_char(c) || c == '"' || c == ';' || c == '{' || c == '}')?;
    let rest = &s[start..];
    let len = rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
    (len > 0).then(|| (start, &rest[..len]))
}

fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::semi => "`;`",
        Rule::rbrace => "`}`",
        Rule::number | Rule::keylen => "a number",
        Rule::quoted => "a quoted string",
        Rule::address | Rule::addr_spec => "an IP address",
        Rule::prefix => "a prefix length",
        Rule::port | Rule::port_any => "a port `[N]`",
        Rule::switch => "`on` or `off`",
        Rule::time_unit => "a time unit (`sec`, `min` or `hour`)",
        Rule::byte_unit => "a byte unit (`B`, `KB`, `MB`)",
        Rule::time_value => "a time with its unit",
        Rule::byte_value => "a byte count with its unit",
        Rule::alg_name | Rule::algorithm => "an algorithm name",
        Rule::dh_name | Rule::dh_value => "a DH group",
        Rule::auth_method => "an authentication method",
        Rule::id_type => "an identifier type (`address`, `subnet`, `fqdn`, `user_fqdn`, `keyid`, `asn1dn`)",
        Rule::id_qual => "`file` or `tag`",
        Rule::ul_proto => "an upper-layer protocol (`any`, `tcp`, `udp`, `icmp`, ...)",
        Rule::xmode => "an exchange mode (`main`, `aggressive`, `base`)",
        Rule::log_level => "a log level (`error`, `warning`, `notify`, `info`, `debug`, `debug2`)",
        Rule::path_type => "a path type (`include`, `pre_shared_key`, `certificate`, `script`, `backupsa`, `pidfile`)",
        Rule::pcheck_value => "`obey`, `strict`, `claim` or `exact`",
        Rule::k_anonymous => "`anonymous`",
        Rule::k_clientaddr => "`clientaddr`",
        Rule::k_inherit => "`inherit`",
        Rule::k_from => "`from`",
        Rule::k_group => "`group`",
        Rule::sainfo_id => "a sainfo id",
        Rule::remote_target | Rule::remote_parent => "`anonymous`, a quoted name or an IP address",
        Rule::sainfo_body | Rule::remote_body => "`{`",
        Rule::lifetime_time_kw | Rule::lifetime_byte_kw => "`time` or `byte`",
        Rule::force => "`force`",
        Rule::gp_value => "`require` or `unique`",
        Rule::cert_kind => "`x509` or `plain_rsa`",
        Rule::script_event => "`phase1_up`, `phase1_down` or `phase1_dead`",
        Rule::situation_value => "`identity_only`, `secrecy` or `integrity`",
        Rule::gss_enc => "`latin1` or `utf-16le`",
        Rule::EOI => "the end of the statement",
        _ => "",
    }
}

fn is_algorithm_name(tok: &str) -> bool {
    RacoonParser::parse(Rule::alg_name, tok).is_ok_and(|p| p.as_str() == tok)
}

fn looks_like_hostname(tok: &str) -> bool {
    tok.contains('.')
        && tok.chars().any(|c| c.is_ascii_alphabetic())
        && tok
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

/// Explain why a skipped region is not a valid statement in `ctx`.
pub fn explain_skipped(file: FileId, text: &str, span: Span, ctx: Context) -> Vec<Diagnostic> {
    let frag = &text[span.start()..span.end()];
    let trimmed = frag.trim();
    if trimmed == ";" {
        let semi = span.start() + frag.find(';').unwrap_or(0);
        let semi = Span::new(semi, semi + 1);
        let before = prev_token_end(text, 0, span.start());
        let msg = if before > 0 && text.as_bytes()[before - 1] == b'}' {
            return vec![Diagnostic::new(
                &SEMICOLON_AFTER_BRACE,
                file,
                span,
                "`};` is not accepted: racoon never allows `;` after a block's `}`",
            )
            .with_help("remove the `;`")
            .with_fix("Remove the `;`", semi, "")];
        } else {
            "a `;` with no statement before it"
        };
        return vec![Diagnostic::new(&SYNTAX_ERROR, file, span, msg)
            .with_help("remove the `;`")
            .with_fix("Remove the `;`", semi, "")];
    }
    if trimmed == "}" {
        return vec![Diagnostic::new(
            &SYNTAX_ERROR,
            file,
            span,
            "`}` without a block to close",
        )];
    }
    if trimmed == "{" {
        return vec![Diagnostic::new(
            &SYNTAX_ERROR,
            file,
            span,
            "`{` without a statement that opens a block",
        )];
    }

    // An unknown or misplaced statement keyword.
    if let Some((off, word)) = first_word(frag) {
        let wspan = Span::new(span.start() + off, span.start() + off + word.len());
        if word.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && !ctx.keywords().contains(&word)
        {
            let home: Vec<&str> = Context::ALL
                .iter()
                .filter(|c| c.keywords().contains(&word))
                .map(|c| c.name())
                .collect();
            let mut d = if !home.is_empty() {
                Diagnostic::new(
                    &UNKNOWN_STATEMENT,
                    file,
                    wspan,
                    format!(
                        "`{word}` is not allowed in {}; it belongs in {}",
                        ctx.name(),
                        home.join(" or ")
                    ),
                )
            } else {
                Diagnostic::new(
                    &UNKNOWN_STATEMENT,
                    file,
                    wspan,
                    format!("unknown statement `{word}` in {}", ctx.name()),
                )
            };
            if let Some(best) = closest(word, ctx.keywords()) {
                d = d.with_help(format!("did you mean `{best}`?"));
                // A misspelling, not a keyword of another block.
                if home.is_empty() {
                    d = d.with_fix(format!("Replace with `{best}`"), wspan, best);
                }
            } else if home.is_empty() {
                d = d.with_help(format!("valid here: {}", ctx.keywords().join(", ")));
            }
            if ctx != Context::Top && Context::Top.keywords().contains(&word) {
                d = d.with_help("is the block before this line missing its `}`?");
            }
            return vec![d];
        }
    }

    // A known statement with wrong arguments: let pest say what it expected.
    let err = match RacoonParser::parse(ctx.strict_rule(), frag) {
        Ok(_) => {
            return vec![Diagnostic::new(
                &SYNTAX_ERROR,
                file,
                span,
                "racoon does not accept this statement here",
            )];
        }
        Err(e) => e,
    };
    let (pos, positives) = pest_failure(&err);
    let pos = pos + span.start();
    let expected = join_expected(positives.iter().map(|r| describe(*r)));
    let found = token_at(text, pos).filter(|(s, _)| s.end() <= span.end().max(pos));
    let prev_end = prev_token_end(text, span.start(), pos);
    let at_chunk_end = text[pos.min(span.end())..span.end()].trim().is_empty();
    let newline_between = text[prev_end..pos.min(text.len())].contains('\n');

    if positives.contains(&Rule::semi)
        && (at_chunk_end || newline_between)
        && prev_end > span.start()
    {
        let at = Span::new(prev_end, prev_end);
        let d = Diagnostic::new(
            &MISSING_SEMICOLON,
            file,
            at,
            "missing `;` at the end of this statement",
        )
        .with_help("racoon names the next line, where it noticed the problem; add `;` here")
        .with_fix("Add the missing `;`", at, ";");
        return vec![where_racoon_notices(d, file, text, prev_end)];
    }
    if at_chunk_end {
        let at = Span::new(prev_end, prev_end);
        let msg = if expected.is_empty() {
            "this statement is incomplete".to_string()
        } else {
            format!("this statement is incomplete: expected {expected}")
        };
        let d = Diagnostic::new(&SYNTAX_ERROR, file, at, msg);
        return vec![where_racoon_notices(d, file, text, prev_end)];
    }
    let (fspan, ftok) = found.unwrap_or((Span::new(pos, pos), ""));
    let wants_address = positives.iter().any(|r| {
        matches!(
            r,
            Rule::address | Rule::addr_spec | Rule::remote_target | Rule::remote_parent
        )
    });
    if wants_address && looks_like_hostname(ftok) {
        return vec![Diagnostic::new(
            &BAD_ADDRESS,
            file,
            fspan,
            format!("`{ftok}` is a host name, but racoon needs an IP address here"),
        )
        .with_help(
            "racoon does not resolve host names in racoon.conf; write the peer's IP literal",
        )];
    }
    let mut msg = if expected.is_empty() {
        format!("racoon does not accept `{ftok}` here")
    } else {
        format!("expected {expected}, found `{ftok}`")
    };
    let mut help = None;
    if positives.contains(&Rule::time_unit) {
        help = Some(
            "racoon requires a unit on every time: `sec`, `min` or `hour` (there is no `day`)",
        );
    } else if ftok == "yes" || ftok == "no" {
        help = Some("racoon has no `yes`/`no`: write `on` or `off`");
    } else if positives.contains(&Rule::ul_proto) {
        help = Some(
            "a sainfo address id needs its upper-layer protocol, e.g. `address 10.0.0.0/24 any`",
        );
    } else if positives.contains(&Rule::quoted) && !ftok.starts_with('"') {
        help = Some("names, paths and fqdn/user_fqdn values must be quoted");
    } else if ftok.starts_with('-') || (ftok.contains('-') && positives.contains(&Rule::alg_name)) {
        help = Some("setkey names such as `aes-cbc` or `hmac-sha1` are not racoon names: write `aes`, `hmac_sha1`");
    } else if positives.contains(&Rule::semi) && is_algorithm_name(ftok) {
        help = Some("separate the algorithms of a list with `,`");
    } else if ftok.starts_with('/') && positives.contains(&Rule::k_inherit) {
        help = Some("a remote is for one peer address, not a network: write the peer's address");
    }
    if ftok.is_empty() {
        msg = format!("expected {expected}");
    }
    let mut d = Diagnostic::new(&SYNTAX_ERROR, file, fspan, msg);
    if let Some(h) = help {
        d = d.with_help(h);
    } else if let Some(best) = crate::syntax::closest_value(
        super::GRAMMAR,
        positives.iter().map(|r| format!("{r:?}")),
        ftok,
    ) {
        d = d.with_help(format!("did you mean `{best}`?"));
        if !ftok.is_empty() {
            d = d.with_fix(format!("Replace with `{best}`"), fspan, best);
        }
    }
    vec![d]
}

/// racoon's parser reads one token ahead, so it reports a statement left
/// open at the next word: that place goes with the statement to change.
fn where_racoon_notices(d: Diagnostic, file: FileId, text: &str, end: usize) -> Diagnostic {
    match crate::syntax::next_token(text, end) {
        Some(next) => d.with_related(
            file,
            next,
            "racoon reports the error here, at the next word",
        ),
        None => d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::closest;

    #[test]
    fn closest_suggests_typos_only() {
        let kws = Context::Proposal.keywords();
        assert_eq!(
            closest("encryption_algorithim", kws),
            Some("encryption_algorithm")
        );
        assert_eq!(closest("hash_algo", kws), None);
        assert_eq!(closest("zzz", kws), None);
    }
}

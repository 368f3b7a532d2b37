//! racoon.conf checks within one file (IPS20xx: racoon refuses the config;
//! IPS21xx: warnings racoon does not give).

use super::checks;
use crate::diagnostic::rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::algorithms::{self, AlgClass, DhGroup};
use crate::model::racoon::{AlgRef, RacoonModel, Remote, RemoteSelector, Sainfo};
use crate::model::Target;
use crate::source::{FileId, Span};
use crate::syntax::racoon::{RacoonConf, RemoteTarget, SainfoId, Setting, TopItem, Value};
use std::collections::hash_map::{Entry, HashMap};

/// What a racoon.conf check sees.
pub struct RacoonCtx<'a> {
    pub file: FileId,
    pub text: &'a str,
    pub conf: &'a RacoonConf,
    pub model: &'a RacoonModel,
    pub target: Target,
    /// Where the parser skipped text: blocks containing one are not reported
    /// as incomplete (the skipped statement may be the "missing" one).
    pub skipped: &'a [Span],
}

impl RacoonCtx<'_> {
    fn had_syntax_error(&self, block: Span) -> bool {
        self.skipped
            .iter()
            .any(|s| s.start >= block.start && s.start <= block.end)
    }
}

type Check = fn(&RacoonCtx, &mut Vec<Diagnostic>);

// Every racoon.conf check, with its rule.
checks! { Check;
    MISSING_EXCHANGE_MODE => missing_exchange_mode,
    INCOMPLETE_PROPOSAL => incomplete_proposal,
    DH_OUTSIDE_PROPOSAL => dh_outside_proposal,
    AGGRESSIVE_DH_MISMATCH => aggressive_dh_mismatch,
    ALGORITHM_CLASS => algorithm_class,
    KEY_LENGTH => key_length,
    BYTE_LIFETIME => byte_lifetime,
    INCOMPLETE_SAINFO => incomplete_sainfo,
    INVALID_DH_GROUP => invalid_dh_group,
    DUPLICATE_NAMED_REMOTE => duplicate_named_remote,
    DUPLICATE_SAINFO => duplicate_sainfo,
    BAD_INHERIT => bad_inherit,
    ICMP_WITH_PORT => icmp_with_port,
    REMOTE_WITHOUT_PROPOSAL => remote_without_proposal,
    KERNEL_ALGORITHM => kernel_algorithm,
    NAMED_CHILD_ADDRESS => named_child_address,
    IDENTIFIER_VALUE => identifier_value,
    GSS_ID_WITHOUT_GSSAPI => gss_id_without_gssapi,
    AMBIGUOUS_REMOTE => ambiguous_remote,
    WEAK_ALGORITHM => weak_algorithm,
    DEBUG_LOGGING => debug_logging,
    RELATIVE_PSK_PATH => relative_psk_path,
    DUPLICATE_ANONYMOUS_SAINFO => duplicate_anonymous_sainfo,
    NOT_BUILT => not_built,
    SAINFO_ASN1DN => sainfo_asn1dn,
    REMOTE_ADDRESS_TWICE => remote_address_twice,
}

pub fn check(cx: &RacoonCtx) -> Vec<Diagnostic> {
    super::run(CHECKS, cx)
}

fn remote_label(r: &Remote) -> String {
    match &r.selector {
        RemoteSelector::Anonymous => "remote anonymous".into(),
        RemoteSelector::Address(a) => format!("remote {a}"),
        RemoteSelector::Name(n) => format!("remote \"{n}\""),
    }
}

/// Each remote as written, with what the model made of it.
fn remotes_with_body<'a>(
    cx: &'a RacoonCtx,
) -> impl Iterator<Item = (&'a crate::syntax::racoon::Remote, &'a Remote)> {
    cx.conf
        .items
        .iter()
        .filter_map(|i| match i {
            TopItem::Remote(r) => Some(&**r),
            _ => None,
        })
        .zip(cx.model.remotes.iter())
}

/// racoon checks a remote when it reaches the block's `}` and names that
/// line: the place goes with the statement to change.
fn at_remote_end(d: Diagnostic, cx: &RacoonCtx, ast: &crate::syntax::racoon::Remote) -> Diagnostic {
    match ast.body.as_ref().and_then(|b| b.close) {
        Some(c) => d.with_related(
            cx.file,
            c,
            "racoon reports the error at the remote's closing `}`",
        ),
        None => d,
    }
}

/// The statements a remote block itself writes (not inherited ones).
fn own_settings(r: &crate::syntax::racoon::Remote) -> impl Iterator<Item = &Setting> {
    r.body.iter().flat_map(|b| b.settings.iter())
}

// ---------------------------------------------------------------------------

rule!(MISSING_EXCHANGE_MODE, "IPS2001", "missing-exchange-mode", Error,
    "A remote has no `exchange_mode`.",
    why: "exchange_mode is mandatory: racoon refuses the whole configuration without it.\n\
          The first mode listed is what racoon uses as initiator; all listed modes are accepted as responder.",
    bad: "remote 192.0.2.1 {\n    proposal { ... }\n}",
    good: "remote 192.0.2.1 {\n    exchange_mode main;\n    proposal { ... }\n}",
    log: Some("no exchange mode specified."));

fn missing_exchange_mode(cx: &RacoonCtx, out: &mut Vec<Diagnostic>) {
    for (ast, r) in remotes_with_body(cx) {
        if r.exchange_modes.is_empty() && !cx.had_syntax_error(r.span) {
            let d = Diagnostic::new(
                &MISSING_EXCHANGE_MODE,
                cx.file,
                r.header,
                format!("`{}` has no `exchange_mode`", remote_label(r)),
            )
            .with_help("add `exchange_mode main;` (or the modes the peer uses)");
            out.push(at_remote_end(d, cx, ast));
        }
    }
}

rule!(INCOMPLETE_PROPOSAL, "IPS2002", "incomplete-proposal", Error,
    "A phase-1 proposal lacks its encryption, hash, authentication method or DH group.",
    why: "Every `proposal { }` must name all four; racoon refuses the configuration otherwise.",
    bad: "proposal {\n    encryption_algorithm aes 256;\n    hash_algorithm sha256;\n    authentication_method pre_shared_key;\n}",
    good: "proposal {\n    encryption_algorithm aes 256;\n    hash_algorithm sha256;\n    authentication_method pre_shared_key;\n    dh_group modp2048;\n}",
    log: Some("DH group required."));

fn incomplete_proposal(cx: &RacoonCtx, out: &mut Vec<Diagnostic>) {
    for (ast, r) in remotes_with_body(cx) {
        if ast.body.as_ref().is_none_or(|b| b.proposals.is_empty()) {
            continue;
        }
        for p in &r.proposals {
            let mut missing = Vec::new();
            if p.encryption.is_none() {
                missing.push("encryption_algorithm");
            }
            if p.hash.is_none() {
                missing.push("hash_algorithm");
            }
            if p.auth_method.is_none() {
                missing.push("authentication_method");
            }
            if p.dh_group.is_none() {
                missing.push("dh_group");
            }
            if !missing.is_empty() && !cx.had_syntax_error(p.span) {
                let mut d = Diagnostic::new(
                    &INCOMPLETE_PROPOSAL,
                    cx.file,
                    p.keyword,
                    format!("this proposal has no {}", missing.join(", ")),
                );
                if let Some(c) = p.close {
                    d = d.with_related(cx.file, c, "this proposal ends here");
                }
                out.push(at_remote_end(d, cx, ast));
            }
        }
    }
}

rule!(DH_OUTSIDE_PROPOSAL, "IPS2003", "dh-group-outside-proposal", Error,
    "`dh_group` written directly in a remote instead of inside a proposal.",
    why: "racoon only accepts dh_group inside `proposal { }` and refuses the file otherwise.",
    bad: "remote anonymous {\n    exchange_mode main;\n    dh_group modp2048;\n    proposal { ... }\n}",
    good: "remote anonymous {\n    exchange_mode main;\n    proposal { ...; dh_group modp2048; }\n}",
    log: Some("dh_group cannot be defined here."));

fn dh_outside_proposal(cx: &RacoonCtx, out: &mut Vec<Diagnostic>) {
    for (ast, _) in remotes_with_body(cx) {
        for s in own_settings(ast).filter(|s| s.is("dh_group")) {
            out.push(
                Diagnostic::new(
                    &DH_OUTSIDE_PROPOSAL,
                    cx.file,
                    s.span,
                    "`dh_group` is not allowed directly in a remote",
                )
                .with_help("move it into each `proposal { }` block"),
            );
        }
    }
}

rule!(AGGRESSIVE_DH_MISMATCH, "IPS2004", "aggressive-dh-mismatch", Error,
    "Aggressive mode with proposals of different DH groups.",
    why: "In aggressive mode the initiator sends its key exchange in the first message, so racoon\n\
          requires one DH group across all proposals of the remote and refuses the file otherwise.",
    bad: "exchange_mode aggressive;\nproposal { ...; dh_group modp2048; }\nproposal { ...; dh_group modp1536; }",
    good: "exchange_mode aggressive;\nproposal { ...; dh_group modp2048; }\nproposal { ...; dh_group modp2048; }",
    log: Some("DH group must be equal in all proposals when aggressive mode is used."));

fn aggressive_dh_mismatch(cx: &RacoonCtx, out: &mut Vec<Diagnostic>) {
    for (ast, r) in remotes_with_body(cx) {
        if !r.aggressive() {
            continue;
        }
        let groups: Vec<_> = r
            .proposals
            .iter()
            .filter_map(|p| p.dh_group.as_ref())
            .collect();
        if let Some(first) = groups.first() {
            for g in &groups[1..] {
                if g.value != first.value {
                    let d = Diagnostic::new(&AGGRESSIVE_DH_MISMATCH, cx.file, g.span, "this DH group differs from the first proposal's, but the remote allows aggressive mode")
                        .with_related(cx.file, first.span, "the first proposal's DH group");
                    out.push(at_remote_end(d, cx, ast));
                }
            }
        }
    }
}

rule!(ALGORITHM_CLASS, "IPS2005", "algorithm-class-mismatch", Error,
    "An algorithm name of the wrong kind (a phase-2 name in phase 1, or the reverse).",
    why: "racoon's phase-1 and phase-2 names differ: phase 1 hashes are `sha1`, `sha256`; phase 2\n\
          authentication uses `hmac_sha1`, `hmac_sha256`. A name of the wrong kind makes racoon refuse the file.",
    bad: "proposal { hash_algorithm hmac_sha1; ... }\nsainfo anonymous { authentication_algorithm sha1; ... }",
    good: "proposal { hash_algorithm sha1; ... }\nsainfo anonymous { authentication_algorithm hmac_sha1; ... }",
    log: Some("algorithm mismatched 1"));

fn class_check(cx: &RacoonCtx, a: &AlgRef, class: AlgClass, out: &mut Vec<Diagnostic>) {
    if class == AlgClass::Phase1Cipher && matches!(&*a.name, "idea" | "rc5") {
        out.push(
            Diagnostic::new(&ALGORITHM_CLASS, cx.file, a.name_span, format!("`{}` is not supported by racoon as the FreeBSD port builds it (RC5 and IDEA options are off)", a.name))
                .with_help("use `aes`"),
        );
        return;
    }
    if !algorithms::in_class(&a.name, class) {
        let hint = match class {
            AlgClass::Phase1Hash if a.name.starts_with("hmac_") => {
                format!("did you mean `{}`?", a.name.trim_start_matches("hmac_"))
            }
            AlgClass::Phase2Auth if algorithms::in_class(&a.name, AlgClass::Phase1Hash) => {
                format!("did you mean `hmac_{}`?", a.name)
            }
            _ => "use a name from the table in `ipseclint explain IPS2005`".to_string(),
        };
        out.push(
            Diagnostic::new(
                &ALGORITHM_CLASS,
                cx.file,
                a.name_span,
                format!("`{}` is not {}", a.name, class.describe()),
            )
            .with_help(hint),
        );
    }
}

fn algorithm_class(cx: &RacoonCtx, out: &mut Vec<Diagnostic>) {
    for r in &cx.model.remotes {
        for p in own_proposals(r) {
            if let Some(a) = &p.encryption {
                class_check(cx, a, AlgClass::Phase1Cipher, out);
            }
            if let Some(a) = &p.hash {
                class_check(cx, a, AlgClass::Phase1Hash, out);
            }
        }
    }
    for s in &cx.model.sainfos {
        for a in s.encryption() {
            class_check(cx, a, AlgClass::Phase2Cipher, out);
        }
        for a in s.authentication() {
            class_check(cx, a, AlgClass::Phase2Auth, out);
        }
        for a in s.compression() {
            class_check(cx, a, AlgClass::Compression, out);
        }
    }
}

/// Proposals written inside the remote's own block (not inherited).
fn own_proposals(r: &Remote) -> impl Iterator<Item = &crate::model::racoon::Phase1Proposal> {
    r.proposals
        .iter()
        .filter(move |p| p.span.start >= r.span.start && p.span.end <= r.span.end)
}

rule!(KEY_LENGTH, "IPS2006", "invalid-key-length", Error,
    "A key length that the cipher does not allow.",
    why: "Only variable-key ciphers take a length (aes: 128, 192, 256; blowfish: 40-448; cast128: 40-128).\n\
          A length on a fixed-key cipher such as 3des, or one out of range, makes racoon refuse the file.",
    bad: "encryption_algorithm 3des 192;\nencryption_algorithm aes 512;",
    good: "encryption_algorithm 3des;\nencryption_algorithm aes 256;",
    log: Some("keylen not allowed"));

fn keylen_check(cx: &RacoonCtx, a: &AlgRef, out: &mut Vec<Diagnostic>) {
    let Some(k) = &a.keylen else { return };
    match algorithms::keylen_rule(&a.name) {
        None => out.push(
            Diagnostic::new(
                &KEY_LENGTH,
                cx.file,
                k.span,
                format!("`{}` does not take a key length", a.name),
            )
            .with_help(format!("write `{}` without a number", a.name)),
        ),
        Some(rule) if !rule.allows(u64::from(k.value)) => out.push(Diagnostic::new(
            &KEY_LENGTH,
            cx.file,
            k.span,
            format!(
                "{} is not a valid key length for `{}` (allowed: {})",
                k.value,
                a.name,
                rule.describe()
            ),
        )),
        _ => {}
    }
}

fn key_length(cx: &RacoonCtx, out: &mut Vec<Diagnostic>) {
    for r in &cx.model.remotes {
        for p in own_proposals(r) {
            if let Some(a) = &p.encryption {
                keylen_check(cx, a, out);
            }
        }
    }
    for s in &cx.model.sainfos {
        for a in s.encryption() {
            keylen_check(cx, a, out);
        }
    }
}

rule!(BYTE_LIFETIME, "IPS2007", "byte-lifetime", Error,
    "`lifetime byte` is used.",
    why: "racoon 0.8.2 rejects every byte lifetime, in phase 1 and phase 2, and refuses the file.",
    bad: "lifetime byte 100 MB;",
    good: "lifetime time 8 hour;",
    log: Some("byte lifetime support is deprecated in Phase1"));

fn all_settings(conf: &RacoonConf) -> Vec<&Setting> {
    let mut v = Vec::new();
    for item in &conf.items {
        match item {
            TopItem::Remote(r) => {
                if let Some(b) = &r.body {
                    v.extend(b.settings.iter());
                    for p in &b.proposals {
                        v.extend(p.settings.iter());
                    }
                }
            }
            TopItem::Sainfo(s) => v.extend(s.settings.iter()),
            TopItem::Block(b) => v.extend(b.settings.iter()),
            TopItem::Setting(s) => v.push(s),
        }
    }
    v
}

fn byte_lifetime(cx: &RacoonCtx, out: &mut Vec<Diagnostic>) {
    for s in all_settings(cx.conf) {
        if s.is("lifetime") && s.values.iter().any(|v| matches!(v, Value::Bytes(_))) {
            out.push(
                Diagnostic::new(
                    &BYTE_LIFETIME,
                    cx.file,
                    s.span,
                    "racoon no longer supports byte lifetimes",
                )
                .with_help("remove the line, or use `lifetime time N hour;`"),
            );
        }
    }
}

rule!(INCOMPLETE_SAINFO, "IPS2008", "incomplete-sainfo", Error,
    "A sainfo lacks its encryption, authentication or compression algorithm list.",
    why: "All three lists are mandatory, even compression_algorithm when IPComp is never used.\n\
          racoon refuses the file and names the sainfo's closing `}` line.",
    bad: "sainfo anonymous {\n    encryption_algorithm aes;\n    authentication_algorithm hmac_sha256;\n}",
    good: "sainfo anonymous {\n    encryption_algorithm aes;\n    authentication_algorithm hmac_sha256;\n    compression_algorithm deflate;\n}",
    log: Some("no compression algorithm at loc='ANONYMOUS', rmt='ANONYMOUS', peer='ANY', id=0"));

fn incomplete_sainfo(cx: &RacoonCtx, out: &mut Vec<Diagnostic>) {
    for s in &cx.model.sainfos {
        let mut missing = Vec::new();
        if s.encryption().next().is_none() {
            missing.push("encryption_algorithm");
        }
        if s.authentication().next().is_none() {
            missing.push("authentication_algorithm");
        }
        if s.compression().next().is_none() {
            missing.push("compression_algorithm");
        }
        // A statement the parser skipped may be the "missing" one: its syntax
        // error is the finding.
        if !missing.is_empty() && !cx.had_syntax_error(s.span()) {
            let mut d = Diagnostic::new(
                &INCOMPLETE_SAINFO,
                cx.file,
                s.header(),
                format!("this sainfo has no {}", missing.join(", ")),
            );
            if missing.contains(&"compression_algorithm") {
                d = d.with_help(
                    "add `compression_algorithm deflate;` (required even without IPComp)",
                );
            }
            if let Some(c) = s.close() {
                d = d.with_related(cx.file, c, "racoon reports the error at this `}`");
            }
            out.push(d);
        }
    }
}

rule!(INVALID_DH_GROUP, "IPS2009", "invalid-dh-group", Error,
    "A dh_group or pfs_group that racoon cannot use (0, EC2N, 19 and above).",
    why: "racoon 0.8.2 knows MODP groups 1, 2, 5 and 14-18. `pfs_group 0` does not mean \"no PFS\":\n\
          it makes racoon refuse the file. Omit the line for no PFS.",
    bad: "pfs_group 0;\ndh_group 19;",
    good: "pfs_group modp2048;\ndh_group 14;",
    log: Some("must be DH group"));

fn invalid_dh_group(cx: &RacoonCtx, out: &mut Vec<Diagnostic>) {
    let mut groups = Vec::new();
    for (ast, r) in remotes_with_body(cx) {
        // Aggressive mode computes the DH value when racoon reads the remote's `}`.
        let end = r.aggressive().then_some(ast);
        groups.extend(
            own_proposals(r)
                .filter_map(|p| p.dh_group.clone())
                .map(|g| (g, end)),
        );
    }
    groups.extend(
        cx.model
            .sainfos
            .iter()
            .filter_map(|s| s.pfs_group.clone())
            .map(|g| (g, None)),
    );
    for (g, end) in groups {
        if let DhGroup::Invalid(why) = g.value {
            let d = Diagnostic::new(
                &INVALID_DH_GROUP,
                cx.file,
                g.span,
                format!("not a usable DH group: {why}"),
            );
            out.push(match end {
                Some(ast) if why.contains("EC2N") => at_remote_end(d, cx, ast),
                _ => d,
            });
        }
    }
}

rule!(DUPLICATE_NAMED_REMOTE, "IPS2010", "duplicate-named-remote", Error,
    "Two remotes with the same name.",
    why: "racoon refuses a second `remote \"name\"` with a name already used.",
    bad: "remote \"office\" { ... }\nremote \"office\" { ... }",
    good: "remote \"office\" { ... }\nremote \"branch\" { ... }",
    log: Some("Named remoteconf \"office\" already exists."));

fn duplicate_named_remote(cx: &RacoonCtx, out: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, &Remote> = HashMap::new();
    for r in &cx.model.remotes {
        if let RemoteSelector::Name(n) = &r.selector {
            match seen.get(n.as_str()) {
                Some(first) => out.push(
                    Diagnostic::new(
                        &DUPLICATE_NAMED_REMOTE,
                        cx.file,
                        r.selector_span,
                        format!("a remote named \"{n}\" already exists"),
                    )
                    .with_related(
                        cx.file,
                        first.selector_span,
                        "first defined here",
                    ),
                ),
                None => {
                    seen.insert(n, r);
                }
            }
        }
    }
}

/// The identity racoon uses to detect duplicate sainfos.
/// What racoon compares to tell two sainfos apart, besides `remoteid`: both
/// ids and `from`, each as its words (spacing does not count).
fn sainfo_key<'t>(s: &Sainfo, text: &'t str) -> impl Iterator<Item = &'t str> {
    let words = move |span: Option<Span>| {
        span.and_then(|sp| text.get(sp.start()..sp.end()))
            .unwrap_or("")
            .split_whitespace()
    };
    let id = |i: Option<&SainfoId>| match i {
        None | Some(SainfoId::Anonymous(_)) => ("ANONYMOUS", None),
        Some(other) => ("", Some(other.span())),
    };
    let (local, remote) = (id(Some(s.local())), id(s.remote()));
    let from = s.from().map(|f| f.span);
    [local.0, "|"]
        .into_iter()
        .chain(words(local.1))
        .chain(["|", remote.0, "|"])
        .chain(words(remote.1))
        .chain(["|", if from.is_some() { "from" } else { "" }, "|"])
        .chain(words(from))
}

rule!(DUPLICATE_SAINFO, "IPS2011", "duplicate-sainfo", Error,
    "Two sainfo blocks with the same ids.",
    why: "racoon refuses a sainfo whose local id, remote id, from-id and remoteid repeat an earlier one.",
    bad: "sainfo address 10.1.0.0/24 any address 10.2.0.0/24 any { ... }\nsainfo address 10.1.0.0/24 any address 10.2.0.0/24 any { ... }",
    good: "sainfo address 10.1.0.0/24 any address 10.2.0.0/24 any { ... }\nsainfo address 10.1.0.0/24 any address 10.3.0.0/24 any { ... }",
    log: Some("duplicated sainfo: loc='10.1.0.0/24', rmt='10.2.0.0/24', peer='ANY', id=0"));

fn duplicate_sainfo(cx: &RacoonCtx, out: &mut Vec<Diagnostic>) {
    use std::hash::{BuildHasher, Hash, Hasher};
    // Keyed by a hash of the words and compared word by word on a hit: a
    // hub's thousands of sainfos need no string each.
    let state = std::collections::hash_map::RandomState::new();
    let hash = |s: &Sainfo| {
        let mut h = state.build_hasher();
        sainfo_key(s, cx.text).for_each(|w| w.hash(&mut h));
        s.remoteid.hash(&mut h);
        h.finish()
    };
    let same = |a: &Sainfo, b: &Sainfo| {
        a.remoteid == b.remoteid && sainfo_key(a, cx.text).eq(sainfo_key(b, cx.text))
    };
    let mut first: HashMap<u64, &Sainfo> = HashMap::new();
    // Sainfos whose hash an unequal one took first (almost never any).
    let mut collided: Vec<&Sainfo> = Vec::new();
    for s in cx.model.sainfos.iter().filter(|s| !s.is_anonymous()) {
        let earlier = match first.entry(hash(s)) {
            Entry::Vacant(v) => {
                v.insert(s);
                continue;
            }
            Entry::Occupied(o) if same(o.get(), s) => Some(*o.get()),
            Entry::Occupied(_) => collided.iter().find(|e| same(e, s)).copied(),
        };
        match earlier {
            Some(e) => out.push(
                Diagnostic::new(
                    &DUPLICATE_SAINFO,
                    cx.file,
                    s.header(),
                    "this sainfo repeats the ids of an earlier one",
                )
                .with_related(cx.file, e.header(), "first defined here")
                .with_related(
                    cx.file,
                    s.close().unwrap_or(s.header()),
                    "racoon reports the error at this sainfo's closing `}`",
                ),
            ),
            None => collided.push(s),
        }
    }
}

rule!(BAD_INHERIT, "IPS2012", "bad-inherit", Error,
    "`inherit` names a remote that does not exist earlier in the file, or an anonymous one.",
    why: "racoon looks the parent up when it reads the child: the parent must be defined before it,\n\
          and `inherit anonymous` fails although the man page allows it.",
    bad: "remote 192.0.2.20 inherit 192.0.2.99 { ... }",
    good: "remote 192.0.2.99 { ... }\nremote 192.0.2.20 inherit 192.0.2.99 { ... }",
    log: Some("failed to get remoteconf for 192.0.2.99[500]."));

fn bad_inherit(cx: &RacoonCtx, out: &mut Vec<Diagnostic>) {
    for (i, r) in cx.model.remotes.iter().enumerate() {
        let Some((parent, None)) = r.inherit.as_deref() else {
            continue;
        };
        let later = cx.model.remotes[i + 1..]
            .iter()
            .find(|l| crate::model::racoon::find_parent(parent, std::slice::from_ref(l)).is_some());
        let msg = match parent {
            RemoteTarget::Anonymous { .. } => "racoon cannot inherit from `anonymous`".to_string(),
            _ if later.is_some() => {
                "the parent remote is defined only later in the file".to_string()
            }
            RemoteTarget::Name(n) => {
                format!("no remote named \"{}\" is defined before this one", n.value)
            }
            RemoteTarget::Address { address, .. } => {
                format!(
                    "no remote for {} is defined before this one",
                    address.text()
                )
            }
        };
        let mut d = Diagnostic::new(&BAD_INHERIT, cx.file, parent.span(), msg);
        if let Some(l) = later {
            d = d.with_related(cx.file, l.header, "defined here; move it above the child");
        }
        out.push(d);
    }
}

rule!(ICMP_WITH_PORT, "IPS2013", "icmp-with-port", Error,
    "A sainfo id with protocol icmp/icmp6 and a port, or a protocol of the wrong address family.",
    why: "ICMP has no ports: racoon requires the port to be omitted or `[any]`, and icmp with an IPv6\n\
          address (or icmp6 with IPv4) is refused.",
    bad: "sainfo address 10.1.0.0/24 [80] icmp address 10.2.0.0/24 any { ... }",
    good: "sainfo address 10.1.0.0/24 icmp address 10.2.0.0/24 any { ... }",
    log: Some("port number must be \"any\"."));

fn icmp_with_port(cx: &RacoonCtx, out: &mut Vec<Diagnostic>) {
    for s in &cx.model.sainfos {
        for id in std::iter::once(s.local()).chain(s.remote()) {
            let SainfoId::Address {
                address,
                port,
                proto,
                ..
            } = id
            else {
                continue;
            };
            let icmp = proto.value == "icmp" || proto.value == "icmp6";
            if let Some(p) = port {
                if icmp && p.value.is_some() {
                    out.push(
                        Diagnostic::new(
                            &ICMP_WITH_PORT,
                            cx.file,
                            p.span,
                            format!("`{}` takes no port", proto.value),
                        )
                        .with_help("remove the port or write `[any]`"),
                    );
                }
            }
            if let Some(ip) = address.ip {
                if (proto.value == "icmp" && ip.is_ipv6())
                    || (proto.value == "icmp6" && ip.is_ipv4())
                {
                    out.push(Diagnostic::new(
                        &ICMP_WITH_PORT,
                        cx.file,
                        proto.span,
                        format!(
                            "`{}` does not match the address family of {}",
                            proto.value,
                            address.text()
                        ),
                    ));
                }
            }
        }
    }
}

rule!(REMOTE_WITHOUT_PROPOSAL, "IPS2014", "remote-without-proposal", Error,
    "A remote has no `proposal { }` block.",
    why: "Every remote needs at least one phase-1 proposal (unless it inherits them); racoon refuses the file otherwise.",
    bad: "remote anonymous {\n    exchange_mode main;\n}",
    good: "remote anonymous {\n    exchange_mode main;\n    proposal { ... }\n}",
    log: Some("no remote specification found: anonymous."));

fn remote_without_proposal(cx: &RacoonCtx, out: &mut Vec<Diagnostic>) {
    for (ast, r) in remotes_with_body(cx) {
        if ast.body.is_some() && r.proposals.is_empty() && !cx.had_syntax_error(r.span) {
            let d = Diagnostic::new(
                &REMOTE_WITHOUT_PROPOSAL,
                cx.file,
                r.header,
                format!("`{}` has no proposal", remote_label(r)),
            );
            out.push(at_remote_end(d, cx, ast));
        }
    }
}

rule!(KERNEL_ALGORITHM, "IPS2015", "kernel-algorithm-removed", Error,
    "A phase-2 algorithm the target FreeBSD kernel does not offer (3des, des, blowfish, cast128, camellia, hmac_md5 on 13+).",
    why: "racoon checks every sainfo algorithm against the kernel's list when it loads the file.\n\
          FreeBSD 13 removed des, 3des, blowfish, cast128, camellia and hmac_md5, so the classic sample\n\
          configurations no longer load. On FreeBSD 12 they load and work: a note (info) for the upgrade.",
    bad: "sainfo anonymous {\n    encryption_algorithm 3des, aes;\n    authentication_algorithm hmac_sha1, hmac_md5;\n    compression_algorithm deflate;\n}",
    good: "sainfo anonymous {\n    encryption_algorithm aes 256, aes;\n    authentication_algorithm hmac_sha256, hmac_sha1;\n    compression_algorithm deflate;\n}",
    log: Some("algorithm 3DES not supported by the kernel (missing module?)"));

fn kernel_algorithm(cx: &RacoonCtx, out: &mut Vec<Diagnostic>) {
    for s in &cx.model.sainfos {
        let algs = s
            .encryption()
            .filter(|a| algorithms::in_class(&a.name, AlgClass::Phase2Cipher))
            .chain(
                s.authentication()
                    .filter(|a| algorithms::in_class(&a.name, AlgClass::Phase2Auth)),
            );
        for a in algs {
            if algorithms::kernel_supports(&a.name, cx.target) {
                if cx.target.release() < 13 && algorithms::removed_in_13(&a.name) {
                    out.push(
                        // It works on this release: a note for the upgrade, not a warning.
                        Diagnostic::new(&KERNEL_ALGORITHM, cx.file, a.name_span, format!("`{}` is removed in FreeBSD 13: this config stops loading after an upgrade", a.name))
                            .with_severity(Severity::Info),
                    );
                }
                continue;
            }
            out.push(
                Diagnostic::new(&KERNEL_ALGORITHM, cx.file, a.name_span, format!("the {} kernel does not offer `{}`: racoon refuses this configuration", cx.target.label(), a.name))
                    .with_help("use `aes` with `hmac_sha256`/`hmac_sha1` (the algorithms FreeBSD 13 and later offer)"),
            );
        }
    }
}

rule!(NAMED_CHILD_ADDRESS, "IPS2016", "named-child-remote-address", Error,
    "A named remote that inherits sets `remote_address`.",
    why: "A named child inherits its parent's (unspecified) address object, so racoon refuses any\n\
          `remote_address` in it.",
    bad: "remote \"child\" inherit \"parent\" {\n    remote_address 192.0.2.5;\n}",
    good: "remote 192.0.2.5 inherit \"parent\" { ... }",
    log: Some("remote_address already specified"));

fn named_child_address(cx: &RacoonCtx, out: &mut Vec<Diagnostic>) {
    for (_, r, s) in remote_address_settings(cx) {
        if matches!(r.selector, RemoteSelector::Name(_)) && r.inherit.is_some() {
            out.push(Diagnostic::new(
                &NAMED_CHILD_ADDRESS,
                cx.file,
                s.span,
                "a named remote that inherits cannot set `remote_address`",
            ));
        }
    }
}

/// Every `remote_address` a remote block writes, with its remote.
fn remote_address_settings<'a>(
    cx: &'a RacoonCtx,
) -> impl Iterator<Item = (&'a crate::syntax::racoon::Remote, &'a Remote, &'a Setting)> {
    remotes_with_body(cx).flat_map(|(ast, r)| {
        own_settings(ast)
            .filter(|s| s.is("remote_address"))
            .map(move |s| (ast, r, s))
    })
}

rule!(IDENTIFIER_VALUE, "IPS2017", "identifier-value-missing", Error,
    "An fqdn/user_fqdn identifier without its value, or asn1dn without a certificate.",
    why: "`fqdn` and `user_fqdn` need a quoted name; `asn1dn` with no value takes the subject of the\n\
          certificate, so racoon refuses it when no `certificate_type` is set.",
    bad: "my_identifier fqdn;",
    good: "my_identifier fqdn \"vpn.example.com\";",
    log: Some("ASN1 ID not specified and no CERT defined!"));

fn identifier_value(cx: &RacoonCtx, out: &mut Vec<Diagnostic>) {
    for (ast, r) in remotes_with_body(cx) {
        for s in own_settings(ast).filter(|s| s.is("my_identifier") || s.is("peers_identifier")) {
            let kind = s.word(0).map(|w| &*w.value).unwrap_or("");
            let has_value = s
                .values
                .iter()
                .any(|v| matches!(v, Value::Quoted(_) | Value::Address(_)));
            let empty = s
                .values
                .iter()
                .any(|v| matches!(v, Value::Quoted(q) if q.value.is_empty()));
            let problem = match kind {
                "fqdn" | "user_fqdn" | "keyid" if !has_value => {
                    Some((format!("`{kind}` needs a quoted value"), false))
                }
                "fqdn" | "user_fqdn" if empty => Some((
                    format!("an empty `{kind}` is no identifier: racoon stops with `failed to set identifer`"),
                    false,
                )),
                "asn1dn" if !has_value && s.is("my_identifier") && r.certificate_type.is_none() => {
                    Some(("`asn1dn` without a value needs a `certificate_type`".to_string(), true))
                }
                _ => None,
            };
            if let Some((p, at_end)) = problem {
                let d = Diagnostic::new(&IDENTIFIER_VALUE, cx.file, s.span, p);
                out.push(if at_end { at_remote_end(d, cx, ast) } else { d });
            }
        }
    }
}

rule!(NOT_BUILT, "IPS2019", "racoon-option-not-built", Error,
    "RADIUS, LDAP or PAM in a racoon built without them (the FreeBSD port's default).",
    why: "The security/ipsec-tools port builds racoon without its RADIUS, LDAP and PAM options by\n\
          default. racoon then refuses `radiuscfg`, `ldapcfg` and the `radius`, `ldap` and `pam`\n\
          sources of mode_cfg when it reads the file, and does not start.",
    bad: "mode_cfg {\n    auth_source pam;\n}",
    good: "mode_cfg {\n    auth_source system;\n}",
    log: Some("racoon not configured with --with-libpam"));

fn not_built(cx: &RacoonCtx, out: &mut Vec<Diagnostic>) {
    let library = |w: &str| match w {
        "radiuscfg" | "radius" => Some("libradius"),
        "ldapcfg" | "ldap" => Some("libldap"),
        "pam" => Some("libpam"),
        _ => None,
    };
    for item in &cx.conf.items {
        let TopItem::Block(b) = item else { continue };
        if let Some(lib) = library(&b.keyword.value) {
            out.push(Diagnostic::new(
                &NOT_BUILT,
                cx.file,
                b.keyword.span,
                format!(
                    "racoon from the FreeBSD port is not built with {lib}: it refuses `{}`",
                    &*b.keyword.value
                ),
            ));
            continue;
        }
        if &*b.keyword.value != "mode_cfg" {
            continue;
        }
        let sources = ["auth_source", "group_source", "conf_source", "accounting"];
        for set in b
            .settings
            .iter()
            .filter(|s| sources.iter().any(|k| s.is(k)))
        {
            for w in (0..).map_while(|n| set.word(n)) {
                if let Some(lib) = library(&w.value) {
                    out.push(Diagnostic::new(&NOT_BUILT, cx.file, w.span, format!("racoon from the FreeBSD port is not built with {lib}: it refuses `{}`", &*w.value))
                        .with_help("use `system` (or `local`), or build the port with the option"));
                }
            }
        }
    }
}

rule!(SAINFO_ASN1DN, "IPS2020", "sainfo-asn1dn-id", Error,
    "An `asn1dn` id in a sainfo header.",
    why: "Phase-2 ids are addresses, subnets, or fqdn/user_fqdn/keyid strings. racoon refuses an\n\
          asn1dn id in a sainfo (`id type forbidden`); a certificate's subject belongs in `from asn1dn` or in the remote.",
    bad: "sainfo asn1dn \"CN=west\" asn1dn \"CN=east\" { ... }",
    good: "sainfo address 10.1.0.0/16 any address 10.2.0.0/16 any from asn1dn \"CN=east\" { ... }",
    log: Some("id type forbidden: 5"));

fn sainfo_asn1dn(cx: &RacoonCtx, out: &mut Vec<Diagnostic>) {
    for s in &cx.model.sainfos {
        for id in std::iter::once(s.local()).chain(s.remote()) {
            if let crate::syntax::racoon::SainfoId::Named { id_type, .. } = id {
                if &*id_type.value == "asn1dn" {
                    out.push(Diagnostic::new(
                        &SAINFO_ASN1DN,
                        cx.file,
                        id_type.span,
                        "racoon refuses an `asn1dn` id in a sainfo header",
                    ));
                }
            }
        }
    }
}

rule!(REMOTE_ADDRESS_TWICE, "IPS2021", "remote-address-twice", Error,
    "`remote_address` in a remote whose header gives its address (or says `anonymous`).",
    why: "`remote 192.0.2.1 { ... }` sets the address in the header; a `remote_address` inside it makes\n\
          racoon refuse the file (`remote_address already specified`). Use the named form for remote_address.",
    bad: "remote 192.0.2.1 {\n    remote_address 192.0.2.1;\n}",
    good: "remote \"east\" {\n    remote_address 192.0.2.1;\n}",
    log: Some("remote_address already specified"));

fn remote_address_twice(cx: &RacoonCtx, out: &mut Vec<Diagnostic>) {
    // `remote anonymous` has an (unspecified) address too.
    for (ast, _, s) in remote_address_settings(cx)
        .filter(|(_, r, _)| !matches!(r.selector, RemoteSelector::Name(_)))
    {
        out.push(
            Diagnostic::new(
                &REMOTE_ADDRESS_TWICE,
                cx.file,
                s.span,
                "the header of this remote already gives its address (`anonymous` is one too, unspecified)",
            )
            .with_related(cx.file, ast.header, "the address is set here"),
        );
    }
}

rule!(GSS_ID_WITHOUT_GSSAPI, "IPS2018", "gss-id-without-gssapi", Error,
    "`gss_id` in a proposal whose authentication method is not gssapi_krb.",
    why: "racoon accepts gss_id only after `authentication_method gssapi_krb` and refuses the file otherwise.",
    bad: "proposal {\n    authentication_method pre_shared_key;\n    gss_id \"host/vpn\";\n}",
    good: "proposal {\n    authentication_method gssapi_krb;\n    gss_id \"host/vpn\";\n}",
    log: Some("wrong Vendor ID for gssapi_id"));

fn gss_id_without_gssapi(cx: &RacoonCtx, out: &mut Vec<Diagnostic>) {
    for r in &cx.model.remotes {
        for p in own_proposals(r) {
            if let Some(g) = p.gss_id {
                if p.auth_method
                    .as_ref()
                    .is_none_or(|m| m.value != "gssapi_krb")
                {
                    out.push(Diagnostic::new(
                        &GSS_ID_WITHOUT_GSSAPI,
                        cx.file,
                        g,
                        "`gss_id` needs `authentication_method gssapi_krb;` before it",
                    ));
                }
            }
        }
    }
}

rule!(AMBIGUOUS_REMOTE, "IPS2101", "ambiguous-remote", Warning,
    "Two remotes for the same address, or several `remote anonymous`.",
    why: "racoon accepts the file, but at runtime two equally good remotes tie and negotiation fails\n\
          with \"no configuration found\".",
    bad: "remote 192.0.2.1 { ... }\nremote 192.0.2.1 { ... }",
    good: "remote 192.0.2.1 { ... }\nremote 192.0.2.2 { ... }",
    log: Some("multiple non-exact configurations found."));

fn ambiguous_remote(cx: &RacoonCtx, out: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<Option<std::net::IpAddr>, &Remote> = HashMap::new();
    for r in &cx.model.remotes {
        // A named remote without an address is a template for `inherit`.
        if matches!(r.selector, RemoteSelector::Name(_)) && r.remote_address.is_none() {
            continue;
        }
        match seen.entry(r.address()) {
            Entry::Occupied(first) => {
                let what = match r.address() {
                    Some(a) => format!("another remote for {a} is defined earlier"),
                    None => "another `remote anonymous` is defined earlier".to_string(),
                };
                out.push(
                    Diagnostic::new(
                        &AMBIGUOUS_REMOTE,
                        cx.file,
                        r.selector_span,
                        format!("{what}: racoon cannot choose between them at runtime"),
                    )
                    .with_related(
                        cx.file,
                        first.get().selector_span,
                        "the other remote",
                    ),
                );
            }
            Entry::Vacant(v) => {
                v.insert(r);
            }
        }
    }
}

rule!(WEAK_ALGORITHM, "IPS2102", "weak-algorithm", Warning,
    "A weak algorithm or DH group (des, 3des, md5, modp768, modp1024, ...).",
    why: "Weak choices let an attacker decrypt or forge traffic, or break the key exchange. On a FreeBSD 12\n\
          target they are the era's working defaults and only noted (info); on 13 and later, a warning.",
    bad: "proposal {\n    encryption_algorithm des;\n    hash_algorithm md5;\n    dh_group modp1024;\n    ...\n}",
    good: "proposal {\n    encryption_algorithm aes 256;\n    hash_algorithm sha256;\n    dh_group modp2048;\n    ...\n}",
    log: None);

fn weak_algorithm(cx: &RacoonCtx, out: &mut Vec<Diagnostic>) {
    // Severity follows the effect: on FreeBSD 12 these are the era's
    // working defaults (the peer may have nothing better), so a note.
    let severity = if cx.target.release() < 13 {
        Severity::Info
    } else {
        Severity::Warning
    };
    let mut algs: Vec<&AlgRef> = Vec::new();
    let mut groups = Vec::new();
    for r in &cx.model.remotes {
        for p in own_proposals(r) {
            algs.extend(p.encryption.iter().chain(p.hash.iter()));
            groups.extend(p.dh_group.clone());
        }
    }
    for s in &cx.model.sainfos {
        // Kernel-removed ones are reported by IPS2015 instead.
        algs.extend(
            s.encryption()
                .chain(s.authentication())
                .filter(|a| !algorithms::removed_in_13(&a.name)),
        );
        groups.extend(s.pfs_group.clone());
    }
    for a in algs {
        if let Some(why) = algorithms::weakness(&a.name) {
            out.push(
                Diagnostic::new(
                    &WEAK_ALGORITHM,
                    cx.file,
                    a.name_span,
                    format!("weak algorithm `{}`: {why}", a.name),
                )
                .with_severity(severity),
            );
        }
    }
    for g in groups {
        if let DhGroup::Modp(n) = g.value {
            if let Some(why) = algorithms::weak_dh(n) {
                out.push(
                    Diagnostic::new(
                        &WEAK_ALGORITHM,
                        cx.file,
                        g.span,
                        format!("weak DH group: {why}"),
                    )
                    .with_help("use modp2048 (14) or stronger")
                    .with_severity(severity),
                );
            }
        }
    }
}

rule!(DEBUG_LOGGING, "IPS2103", "debug-logging", Info,
    "`log debug` or `log debug2` left on.",
    why: "Debug logging is verbose, fills /var/log and can record key material exchanges; switch it\n\
          off once the tunnel works.",
    bad: "log debug2;",
    good: "log notify;",
    log: None);

fn debug_logging(cx: &RacoonCtx, out: &mut Vec<Diagnostic>) {
    if let Some(l) = &cx.model.log_level {
        if l.value.starts_with("debug") {
            out.push(
                Diagnostic::new(
                    &DEBUG_LOGGING,
                    cx.file,
                    l.span,
                    format!("`log {}` is left on", l.value),
                )
                .with_help("use `log notify;` or `log info;` in production"),
            );
        }
    }
}

rule!(RELATIVE_PSK_PATH, "IPS2104", "relative-psk-path", Warning,
    "`path pre_shared_key` is relative.",
    why: "racoon uses the path verbatim and its working directory is `/` once it daemonizes, so a\n\
          relative path finds no file, and only at the first negotiation.",
    bad: "path pre_shared_key \"psk.txt\";",
    good: "path pre_shared_key \"/usr/local/etc/racoon/psk.txt\";",
    log: Some("couldn't find the pskey for 192.0.2.1."));

fn relative_psk_path(cx: &RacoonCtx, out: &mut Vec<Diagnostic>) {
    if let Some(p) = &cx.model.psk_path {
        if !p.value.starts_with('/') {
            out.push(
                Diagnostic::new(
                    &RELATIVE_PSK_PATH,
                    cx.file,
                    p.span,
                    "relative pre-shared key path: racoon runs from `/`",
                )
                .with_help("use an absolute path such as \"/usr/local/etc/racoon/psk.txt\""),
            );
        }
    }
}

rule!(DUPLICATE_ANONYMOUS_SAINFO, "IPS2105", "duplicate-anonymous-sainfo", Warning,
    "More than one `sainfo anonymous`.",
    why: "racoon accepts them, but only the first is ever used; the later ones are dead configuration.",
    bad: "sainfo anonymous { ... }\nsainfo anonymous { ... }",
    good: "sainfo anonymous { ... }",
    log: None);

fn duplicate_anonymous_sainfo(cx: &RacoonCtx, out: &mut Vec<Diagnostic>) {
    let ss = &cx.model.sainfos;
    let plain_anon = |s: &Sainfo| s.is_anonymous() && s.from().is_none() && s.remoteid == 0;
    if let Some(first) = ss.iter().find(|s| plain_anon(s)) {
        for s in ss.iter().filter(|s| plain_anon(s)).skip(1) {
            out.push(
                Diagnostic::new(
                    &DUPLICATE_ANONYMOUS_SAINFO,
                    cx.file,
                    s.header(),
                    "this `sainfo anonymous` is never used: the first one wins",
                )
                .with_related(cx.file, first.header(), "the one racoon uses"),
            );
        }
    }
}

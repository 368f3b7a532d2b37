//! racoon's algorithm tables and the FreeBSD kernel's algorithm support.

use crate::model::Target;

/// Where a racoon algorithm name may be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlgClass {
    Phase1Cipher,
    Phase1Hash,
    Phase2Cipher,
    Phase2Auth,
    Compression,
}

impl AlgClass {
    pub fn describe(self) -> &'static str {
        match self {
            AlgClass::Phase1Cipher => "a phase-1 encryption algorithm",
            AlgClass::Phase1Hash => "a phase-1 hash algorithm",
            AlgClass::Phase2Cipher => "a phase-2 encryption algorithm",
            AlgClass::Phase2Auth => "a phase-2 authentication algorithm",
            AlgClass::Compression => "a compression algorithm",
        }
    }
}

/// Does racoon accept `name` in `class`? (cfparse.y's algorithm tables.)
pub fn in_class(name: &str, class: AlgClass) -> bool {
    names(class).contains(&name)
}

/// Every name racoon accepts in `class`, aliases included.
pub fn names(class: AlgClass) -> &'static [&'static str] {
    match class {
        AlgClass::Phase1Cipher => &[
            "des", "3des", "blowfish", "cast128", "aes", "rijndael", "camellia", "idea", "rc5",
        ],
        AlgClass::Phase1Hash => &[
            "md5", "sha1", "sha256", "sha384", "sha512", "sha2_256", "sha2_384", "sha2_512",
        ],
        AlgClass::Phase2Cipher => &[
            "des", "3des", "des_iv64", "des_iv32", "rc5", "rc4", "idea", "3idea", "cast128",
            "blowfish", "null_enc", "null", "twofish", "aes", "rijndael", "camellia",
        ],
        AlgClass::Phase2Auth => &[
            "hmac_md5",
            "hmac_sha1",
            "hmac_sha256",
            "hmac_sha384",
            "hmac_sha512",
            "hmac_sha2_256",
            "hmac_sha2_384",
            "hmac_sha2_512",
            "non_auth",
            "kpdk",
        ],
        AlgClass::Compression => &["deflate", "oui", "lzs"],
    }
}

/// Canonical name (racoon aliases: rijndael = aes, null = null_enc, sha2_256 = sha256 ...).
pub fn canonical(name: &str) -> &str {
    match name {
        "rijndael" => "aes",
        "null" => "null_enc",
        "sha2_256" => "sha256",
        "sha2_384" => "sha384",
        "sha2_512" => "sha512",
        "hmac_sha2_256" => "hmac_sha256",
        "hmac_sha2_384" => "hmac_sha384",
        "hmac_sha2_512" => "hmac_sha512",
        other => other,
    }
}

/// The key lengths racoon's `check_keylen` allows for a cipher: `None` when
/// the cipher takes no key length at all.
pub fn keylen_rule(cipher: &str) -> Option<KeylenRule> {
    Some(match canonical(cipher) {
        "blowfish" => KeylenRule::Range(40, 448),
        "rc5" => KeylenRule::Range(40, 2040),
        "cast128" => KeylenRule::Range(40, 128),
        "twofish" => KeylenRule::Range(40, 256),
        "aes" | "camellia" => KeylenRule::OneOf(&[128, 192, 256]),
        _ => return None,
    })
}

#[derive(Clone, Copy, Debug)]
pub enum KeylenRule {
    Range(u64, u64),
    OneOf(&'static [u64]),
}

impl KeylenRule {
    pub fn allows(self, bits: u64) -> bool {
        match self {
            KeylenRule::Range(lo, hi) => bits.is_multiple_of(8) && (lo..=hi).contains(&bits),
            KeylenRule::OneOf(list) => list.contains(&bits),
        }
    }
    pub fn describe(self) -> String {
        match self {
            KeylenRule::Range(lo, hi) => format!("a multiple of 8 from {lo} to {hi}"),
            KeylenRule::OneOf(list) => list
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// A Diffie-Hellman group as racoon resolves `dh_group`/`pfs_group`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DhGroup {
    /// A MODP group racoon can use, by its IKE number.
    Modp(u32),
    /// A value racoon rejects, with the reason.
    Invalid(&'static str),
}

pub fn dh_group(word: Option<&str>, number: Option<u64>) -> DhGroup {
    if let Some(w) = word {
        return match w {
            "modp768" => DhGroup::Modp(1),
            "modp1024" => DhGroup::Modp(2),
            "modp1536" => DhGroup::Modp(5),
            "modp2048" => DhGroup::Modp(14),
            "modp3072" => DhGroup::Modp(15),
            "modp4096" => DhGroup::Modp(16),
            "modp6144" => DhGroup::Modp(17),
            "modp8192" => DhGroup::Modp(18),
            _ => DhGroup::Invalid("EC2N groups are not DH groups racoon can use"),
        };
    }
    match number {
        Some(n @ (1 | 2 | 5 | 14 | 15 | 16 | 17 | 18)) => DhGroup::Modp(n as u32),
        Some(0) => DhGroup::Invalid("0 is not a DH group (omit the statement for no PFS)"),
        Some(3 | 4) => {
            DhGroup::Invalid("groups 3 and 4 (EC2N) are in racoon's table but fail when used")
        }
        _ => DhGroup::Invalid("racoon 0.8.2 knows MODP groups 1, 2, 5 and 14-18 only"),
    }
}

/// Weak choices: why each is weak.
pub fn weakness(name: &str) -> Option<&'static str> {
    Some(match canonical(name) {
        "des" | "des_iv64" | "des_iv32" => "DES has a 56-bit key and is broken",
        "3des" | "blowfish" | "cast128" | "idea" | "3idea" => {
            "a 64-bit block cipher is open to birthday attacks (Sweet32)"
        }
        "rc4" => "RC4 is broken",
        "md5" | "hmac_md5" => "MD5 is broken",
        "null_enc" => "null_enc sends the traffic unencrypted",
        "non_auth" => "non_auth leaves the traffic without integrity protection",
        _ => return None,
    })
}

pub fn weak_dh(group: u32) -> Option<&'static str> {
    match group {
        1 => Some("modp768 (group 1) is breakable"),
        2 => Some("modp1024 (group 2) is too weak (Logjam)"),
        _ => None,
    }
}

/// Phase-2 algorithms the target's kernel offers to racoon through PF_KEY.
/// FreeBSD 13 removed des, 3des, blowfish, cast128, camellia, hmac_md5 and
/// the keyed hashes (svn r360557).
pub fn kernel_supports(name: &str, target: Target) -> bool {
    let name = canonical(name);
    let base: &[&str] = &[
        "aes",
        "null_enc",
        "hmac_sha1",
        "hmac_sha256",
        "hmac_sha384",
        "hmac_sha512",
        "non_auth",
    ];
    let removed_in_13: &[&str] = &[
        "des", "3des", "blowfish", "cast128", "camellia", "hmac_md5", "kpdk",
    ];
    base.contains(&name) || (target.release() < 13 && removed_in_13.contains(&name))
}

/// Removed by FreeBSD 13, but still offered by 12.
pub fn removed_in_13(name: &str) -> bool {
    [
        "des", "3des", "blowfish", "cast128", "camellia", "hmac_md5", "kpdk",
    ]
    .contains(&canonical(name))
}

/// Key sizes setkey/the kernel accept for a manual-key algorithm, in bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetkeyKey {
    /// The algorithm takes no key.
    None,
    Exact(&'static [u64]),
    Range(u64, u64),
}

impl SetkeyKey {
    pub fn allows(self, bits: u64) -> bool {
        match self {
            SetkeyKey::None => bits == 0,
            SetkeyKey::Exact(v) => v.contains(&bits),
            SetkeyKey::Range(lo, hi) => (lo..=hi).contains(&bits),
        }
    }
    pub fn describe(self) -> String {
        match self {
            SetkeyKey::None => "no key".into(),
            SetkeyKey::Exact(v) => v
                .iter()
                .map(|b| format!("{b} bits ({} bytes)", b / 8))
                .collect::<Vec<_>>()
                .join(" or "),
            SetkeyKey::Range(lo, hi) => format!("{lo} to {hi} bits"),
        }
    }
}

/// setkey's `-E`/`-A` algorithm table (FreeBSD kernel key sizes).
pub fn setkey_key(alg: &str) -> Option<SetkeyKey> {
    use SetkeyKey::*;
    Some(match alg {
        "des-cbc" | "des-deriv" | "des-32iv" => Exact(&[64]),
        "3des-cbc" => Exact(&[192]),
        "null" | "simple" => None,
        "blowfish-cbc" => Range(40, 448),
        "cast128-cbc" => Range(40, 128),
        "rijndael-cbc" | "aes-cbc" | "camellia-cbc" => Exact(&[128, 192, 256]),
        "twofish-cbc" => Range(0, 256),
        // Key plus a 32-bit nonce.
        "aes-ctr" | "aes-gcm-16" => Exact(&[160, 224, 288]),
        "hmac-md5" | "keyed-md5" | "aes-xcbc-mac" => Exact(&[128]),
        "hmac-sha1" | "keyed-sha1" | "hmac-ripemd160" => Exact(&[160]),
        "hmac-sha2-256" | "hmac-sha256" => Exact(&[256]),
        "hmac-sha2-384" | "hmac-sha384" => Exact(&[384]),
        "hmac-sha2-512" | "hmac-sha512" => Exact(&[512]),
        "tcp-md5" => Range(8, 640),
        _ => return Option::None,
    })
}

/// Manual-key algorithms FreeBSD 13 removed (svn r360557).
pub fn setkey_removed_in_13(alg: &str) -> bool {
    matches!(
        alg,
        "des-cbc"
            | "3des-cbc"
            | "blowfish-cbc"
            | "cast128-cbc"
            | "des-deriv"
            | "des-32iv"
            | "camellia-cbc"
            | "hmac-md5"
            | "keyed-md5"
            | "keyed-sha1"
            | "hmac-ripemd160"
    )
}

/// Manual-key algorithms no FreeBSD kernel offers.
pub fn setkey_never_in_freebsd(alg: &str) -> bool {
    // aes-xcbc-mac: setkey knows the name, but no kernel since 11 registers it
    // (key_register's list), so setkey stops with `Not supported`.
    matches!(alg, "twofish-cbc" | "aes-xcbc-mac")
}

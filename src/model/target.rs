//! The FreeBSD release a gateway runs: a fact about the gateway that decides
//! which algorithms its kernel has and which keywords its tools read.

/// The FreeBSD release the gateway runs (decides the kernel's algorithms).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Default,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
)]
pub enum Target {
    #[value(name = "freebsd-12")]
    #[serde(rename = "freebsd-12")]
    FreeBsd12,
    #[value(name = "freebsd-13")]
    #[serde(rename = "freebsd-13")]
    FreeBsd13,
    #[default]
    #[value(name = "freebsd-14")]
    #[serde(rename = "freebsd-14")]
    FreeBsd14,
}

impl Target {
    pub fn release(self) -> u32 {
        match self {
            Target::FreeBsd12 => 12,
            Target::FreeBsd13 => 13,
            Target::FreeBsd14 => 14,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Target::FreeBsd12 => "FreeBSD 12",
            Target::FreeBsd13 => "FreeBSD 13",
            Target::FreeBsd14 => "FreeBSD 14",
        }
    }
    /// The release a `freebsd-version` string names (`13.2-RELEASE-p4`).
    pub fn from_version(v: &str) -> Option<Target> {
        let major: u32 = v.trim().split(['.', '-']).next()?.parse().ok()?;
        Some(match major {
            0..=12 => Target::FreeBsd12,
            13 => Target::FreeBsd13,
            _ => Target::FreeBsd14,
        })
    }
}
